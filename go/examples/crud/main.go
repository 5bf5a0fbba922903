// Command crud lists, creates, reads, updates and deletes a network through the typed Go
// API, then checks that the deleted network is not found. It talks to the API named by
// the environment, as `cloudconnexa-mock --background` (or `ccx mock --background`)
// prints it:
//
//	eval "$(cloudconnexa-mock --background)"
//	export CLOUDCONNEXA_API_URL CLOUDCONNEXA_CLIENT_ID CLOUDCONNEXA_CLIENT_SECRET
//	go run ./examples/crud
//	kill $CLOUDCONNEXA_MOCK_PID
//
// Against a real account, set CLOUDCONNEXA_API_URL to https://<cloud id>.api.openvpn.com
// and the API credentials. It exits 1 at the first step that fails.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	cloudconnexa "example.invalid/cloudconnexa/go"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("crud: ")
	url := os.Getenv("CLOUDCONNEXA_API_URL")
	if url == "" {
		log.Fatal("CLOUDCONNEXA_API_URL is not set (eval \"$(cloudconnexa-mock --background)\" starts the emulator and prints it)")
	}
	c, err := cloudconnexa.NewClient(cloudconnexa.Config{
		APIURL:       url,
		ClientID:     os.Getenv("CLOUDCONNEXA_CLIENT_ID"),
		ClientSecret: os.Getenv("CLOUDCONNEXA_CLIENT_SECRET"),
		// plain http:// is only for the local emulator (loopback hosts)
		AllowInsecureHTTP: strings.HasPrefix(url, "http://"),
	})
	if err != nil {
		log.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	// Every call of this run shares one deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, c); err != nil {
		c.Close()
		log.Fatal(err)
	}
	fmt.Println("crud: ok")
}

func run(ctx context.Context, c *cloudconnexa.Client) error {
	nets := c.Networks()

	page, err := nets.List(ctx, 0, 10)
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	fmt.Printf("list: %d of %d networks\n", len(page.Content), page.TotalElements)

	name := fmt.Sprintf("crud-example-%d", time.Now().UnixNano())
	created, err := nets.Create(ctx, &cloudconnexa.NetworkCreateRequest{
		Name:           name,
		Description:    "made by go/examples/crud",
		Egress:         cloudconnexa.Ptr(false),
		InternetAccess: "SPLIT_TUNNEL_ON",
		Routes:         []cloudconnexa.NetworkRouteRequest{{Value: "10.123.0.0/24", Description: "example"}},
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	fmt.Printf("create: %s %s\n", created.ID, created.Name)
	deleted := false
	defer func() {
		if !deleted { // a step failed: do not leave the network behind
			_ = nets.Delete(context.Background(), created.ID)
		}
	}()

	got, err := nets.Get(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	if got.Name != name || len(got.Routes) != 1 || got.Routes[0].Subnet != "10.123.0.0/24" {
		return fmt.Errorf("get: unexpected network %+v", got)
	}
	fmt.Printf("get: %s with route %s\n", got.Name, got.Routes[0].Subnet)

	updated, err := nets.Update(ctx, created.ID, &cloudconnexa.NetworkUpdateRequest{
		Name:        name + "-renamed",
		Description: "updated by go/examples/crud",
	})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if updated.Name != name+"-renamed" {
		return fmt.Errorf("update: the name is %q", updated.Name)
	}
	fmt.Printf("update: %s\n", updated.Name)

	found := false
	it := nets.All(ctx)
	for it.Next() {
		found = found || it.Value().ID == created.ID
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("all: %w", err)
	}
	if !found {
		return errors.New("all: the new network is missing")
	}
	fmt.Println("all: the new network is listed")

	if err := nets.Delete(ctx, created.ID); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	deleted = true
	fmt.Println("delete: done")

	_, err = nets.Get(ctx, created.ID)
	if !errors.Is(err, cloudconnexa.ErrNotFound) {
		return fmt.Errorf("get after delete: %v, want an error matching ErrNotFound", err)
	}
	fmt.Println("not found: ok")
	return nil
}
