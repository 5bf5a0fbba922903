package cloudconnexa

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The emulator every test talks to: started once by TestMain, killed after.
var emu struct {
	url, clientID, clientSecret string
}

func TestMain(m *testing.M) {
	os.Exit(runWithEmulator(m))
}

func runWithEmulator(m *testing.M) int {
	bin := os.Getenv("CLOUDCONNEXA_MOCK_BIN")
	if bin == "" {
		bin = filepath.Join("..", "target", "release", "cloudconnexa-mock")
	}
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(os.Stderr, "go tests need the emulator: %v\n(build it with `cargo build --release -p cloudconnexa-mock`, or run `make go-test`)\n", err)
		return 1
	}
	cmd := exec.Command(bin, "--port", "0", "--no-rate-limit")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot start %s: %v\n", bin, err)
		return 1
	}
	drained := make(chan struct{})
	defer func() {
		_ = cmd.Process.Kill()
		<-drained
		_ = cmd.Wait()
	}()

	ready := make(chan error, 1)
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				switch k {
				case "CLOUDCONNEXA_API_URL":
					emu.url = v
				case "CLOUDCONNEXA_CLIENT_ID":
					emu.clientID = v
				case "CLOUDCONNEXA_CLIENT_SECRET":
					emu.clientSecret = v
				}
			}
			if !sent && emu.url != "" && emu.clientID != "" && emu.clientSecret != "" {
				ready <- nil
				sent = true
			}
		}
		if !sent {
			ready <- fmt.Errorf("the emulator exited without printing its address (%v)", sc.Err())
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case err := <-ready:
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "the emulator did not print its address within 30 s")
		return 1
	}
	return m.Run()
}

// testConfig is a client configuration for the emulator.
func testConfig() Config {
	return Config{
		APIURL:            emu.url,
		ClientID:          emu.clientID,
		ClientSecret:      emu.clientSecret,
		AllowInsecureHTTP: true,
		UserAgent:         "cloudconnexa-go-test",
		ConnectTimeout:    2 * time.Second,
		ReadTimeout:       20 * time.Second,
		CallTimeout:       60 * time.Second,
	}
}

func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}
