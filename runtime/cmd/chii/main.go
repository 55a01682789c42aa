// Command chii is bangumi's /v0 API backend: `chii server`,
// `chii worker canal`, `chii worker timeline`. Run `chii -h` for usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bangumi/chii/runtime/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills the process at once
	}()
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
