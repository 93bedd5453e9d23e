// Command bare serves one file at /feed.atom with nothing but net/http
// (internal/barefeed): the floor bench/serve/run holds pressfeed's handler
// chain against, the same bytes over the same HTTP server.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"log"
	"net/http"
	"os"

	"pressfeed/internal/barefeed"
)

func main() {
	file := flag.String("file", "", "the file to serve as /feed.atom")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	data, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	sum := sha256.Sum256(data)
	http.Handle("GET /feed.atom", barefeed.Handler(data, `"`+hex.EncodeToString(sum[:16])+`"`))
	log.Fatal(http.ListenAndServe(*addr, nil))
}
