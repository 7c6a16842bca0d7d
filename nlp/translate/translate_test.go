package translate_test

import (
	"context"
	"errors"
	"testing"

	"github.com/masx-ai/masx/nlp/translate"
)

func TestKeepNeverPretends(t *testing.T) {
	tr, err := translate.ByName("")
	if err != nil {
		t.Fatal(err)
	}
	out, ok, err := tr.Translate(context.Background(), "Le cessez-le-feu tient.", "fr")
	if err != nil || ok || out != "Le cessez-le-feu tient." {
		t.Fatalf("got %q, %v, %v; want the text unchanged, translated=false", out, ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := tr.Translate(ctx, "x", "fr"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v; want context.Canceled", err)
	}
	if _, err := translate.ByName("google"); !errors.Is(err, translate.ErrUnknownBackend) {
		t.Fatalf("got %v; want ErrUnknownBackend", err)
	}
}
