package hello_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/cloudperf/cloudperf/app/hello"
)

func ExampleNew() {
	s := hello.New(hello.Config{Hostname: "pod-1"})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var reply hello.Reply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Println(reply.Message, "from", reply.Host)

	resp, err = http.Post(ts.URL+"/", "text/plain", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status, "Allow:", resp.Header.Get("Allow"))
	// Output:
	// 200 OK application/json
	// Hello from pod-1
	// 405 Method Not Allowed Allow: GET, HEAD
}
