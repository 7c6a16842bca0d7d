package render_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/masx-ai/masx/crawl/render"
)

// A pool with the default settings: start it once, render from many
// goroutines, stop it at shutdown. (Not run as a test: it needs Chromium
// and the network.)
func Example() {
	pool, err := render.New(render.Config{})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := pool.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer pool.Stop(ctx)

	res, err := pool.Render(ctx, "https://example.com/")
	switch {
	case errors.Is(err, render.ErrQueueFull):
		log.Print("busy; try later") // HTTP 429 at the API
	case errors.Is(err, render.ErrTimeout):
		log.Print("page did not settle within Config.Timeout")
	case err != nil:
		log.Print(err)
	default:
		fmt.Println(res.StatusCode, res.Title, len(res.HTML), res.Timings.Total)
	}
}
