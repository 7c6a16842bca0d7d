package translate_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/translate"
)

func TestKeepNeverPretends(t *testing.T) {
	tr, err := translate.ByName("")
	require.NoError(t, err)
	out, ok, err := tr.Translate(context.Background(), "Le cessez-le-feu tient.", "fr")
	require.NoError(t, err)
	require.False(t, ok, "translated: want false")
	require.Equal(t, "Le cessez-le-feu tient.", out, "want the text unchanged")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = tr.Translate(ctx, "x", "fr")
	require.ErrorIs(t, err, context.Canceled)
	_, err = translate.ByName("google")
	require.ErrorIs(t, err, translate.ErrUnknownBackend)
}
