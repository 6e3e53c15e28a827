// Command fakeprovider serves the OpenAI chat completions API on loopback
// with canned answers, for `make demo`. It prints its base URL on the first
// line of stdout and serves until killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "http://%s/v1/\n", ln.Addr())
	log.Fatal(http.Serve(ln, &openaitest.Server{}))
}
