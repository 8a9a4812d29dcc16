// Command ferretdb-embedded runs FerretDB v1 (MongoDB wire protocol on SQLite) through its
// embeddable package. It is promptreg's embedded default database and its test database.
//
// Why not `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: the Go proxy refuses
// the module's version list that `go install pkg@version` asks for, and a cmd/ferretdb built from
// a module of ours panics at start-up because its build/version/version.txt is only generated in
// FerretDB's own repository. The embeddable package has neither problem; it keeps its state in
// memory and never starts telemetry or the debug listener, so several instances run side by side.
//
// Flags keep the names of the real CLI (--handler, --sqlite-url, --listen-addr) so the two are
// interchangeable. With a listen port of 0 the chosen address is printed on stdout as
// "listening on mongodb://host:port/" for the caller to read.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	handler := flag.String("handler", "sqlite", "backend handler: sqlite")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite URI (a directory, ending with /)")
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP listen address (port 0 picks a free one)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn, error")
	watchParent := flag.Bool("exit-with-parent", false, "exit when the parent process goes away (no orphans after kill -9)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "bad --log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listenAddr},
		Handler:   *handler,
		SQLiteURL: *sqliteURL,
		Logger:    logger,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *watchParent {
		parent := os.Getppid()
		go func() {
			for range time.Tick(500 * time.Millisecond) {
				if os.Getppid() != parent {
					stop()
					return
				}
			}
		}()
	}

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()

	// MongoDBURI blocks until the listener is bound, so this line also tells the caller we are ready.
	fmt.Printf("listening on %s\n", f.MongoDBURI())

	<-done
}
