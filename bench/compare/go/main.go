// Command ccxcompare is the Go net/http load generator of bench/compare.sh.
//
// Usage: ccxcompare BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN
//
// The usual way to call an API from Go: one http.Client shared by CONCURRENCY goroutines,
// on a clone of http.DefaultTransport with MaxIdleConnsPerHost = CONCURRENCY (so every
// goroutine keeps its keep-alive connection), requests with the headers an API client
// sends (Authorization: Bearer TOKEN, Accept), the whole body read with io.ReadAll.
// Goroutine t asks for GET BASE_URL/api/v1/networks?page=t&size=2: WARMUP_PER_THREAD
// unmeasured requests, a barrier, then REQUESTS_PER_THREAD measured ones.
//
// Output: one JSON line {"client":"go-net-http","requests":N,"errors":E,"wall_s":W,
// "cpu_user_s":U,"cpu_sys_s":S,"p50_us":P,"p99_us":Q}. CPU is getrusage(RUSAGE_SELF)
// over the measured phase only (the runtime's start-up is not in it; its GC and
// scheduler threads are), latencies per request on the monotonic clock, percentiles
// exact (nearest rank over the sorted array). Standard library only.
package main

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func cpuTimes() (float64, float64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	secs := func(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	return secs(ru.Utime), secs(ru.Stime)
}

func percentile(sorted []int64, p float64) int64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

func main() {
	if len(os.Args) != 6 {
		fmt.Fprintf(os.Stderr, "usage: %s BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN\n", os.Args[0])
		os.Exit(2)
	}
	base := os.Args[1]
	concurrency, err1 := strconv.Atoi(os.Args[2])
	perThread, err2 := strconv.Atoi(os.Args[3])
	warmup, err3 := strconv.Atoi(os.Args[4])
	token := os.Args[5]
	if err1 != nil || err2 != nil || err3 != nil || concurrency < 1 || perThread < 1 || warmup < 0 {
		fmt.Fprintln(os.Stderr, "ccxcompare: CONCURRENCY and REQUESTS_PER_THREAD must be >= 1")
		os.Exit(2)
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = concurrency
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	auth := "Bearer " + token

	var errMu sync.Mutex
	errors := 0
	fail := func(t int, msg string) {
		errMu.Lock()
		if errors < 3 {
			fmt.Fprintf(os.Stderr, "ccxcompare: goroutine %d: %s\n", t, msg)
		}
		errors++
		errMu.Unlock()
	}
	one := func(t int, url string) {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			fail(t, err.Error())
			return
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			fail(t, err.Error())
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(body) == 0 {
			fail(t, fmt.Sprintf("status %d, %d body bytes, %v", resp.StatusCode, len(body), err))
		}
	}

	lat := make([][]int64, concurrency)
	var warmed, done sync.WaitGroup
	start := make(chan struct{})
	warmed.Add(concurrency)
	done.Add(concurrency)
	for t := 0; t < concurrency; t++ {
		go func(t int) {
			defer done.Done()
			url := fmt.Sprintf("%s/api/v1/networks?page=%d&size=2", base, t)
			l := make([]int64, perThread)
			for i := 0; i < warmup; i++ {
				one(t, url)
			}
			warmed.Done()
			<-start
			for i := 0; i < perThread; i++ {
				s := time.Now()
				one(t, url)
				l[i] = int64(time.Since(s))
			}
			lat[t] = l
		}(t)
	}
	warmed.Wait()
	u0, s0 := cpuTimes()
	t0 := time.Now()
	close(start)
	done.Wait()
	wall := time.Since(t0).Seconds()
	u1, s1 := cpuTimes()

	all := make([]int64, 0, concurrency*perThread)
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	fmt.Printf("{\"client\":\"go-net-http\",\"requests\":%d,\"errors\":%d,\"wall_s\":%.6f,\"cpu_user_s\":%.6f,"+
		"\"cpu_sys_s\":%.6f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
		len(all), errors, wall, u1-u0, s1-s0,
		float64(percentile(all, 0.50))/1e3, float64(percentile(all, 0.99))/1e3)
}
