package onnx

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHalfToFloat(t *testing.T) {
	cases := []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x3555, 0.33325195},
		{0x7bff, 65504},
		{0x0001, 5.9604645e-08}, // smallest subnormal
		{0x03ff, 6.0975552e-05}, // largest subnormal
		{0x0400, 6.1035156e-05}, // smallest normal
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	}
	src := make([]byte, 2*len(cases))
	for i, c := range cases {
		src[2*i], src[2*i+1] = byte(c.bits), byte(c.bits>>8)
	}
	dst := make([]float32, len(cases))
	halfToFloat(dst, src)
	for i, c := range cases {
		require.Equal(t, c.want, dst[i], "half %#04x", c.bits)
	}
	nan := make([]float32, 1)
	halfToFloat(nan, []byte{0x01, 0x7e})
	require.True(t, math.IsNaN(float64(nan[0])), "half 0x7e01 = %v; want NaN", nan[0])
	neg0 := make([]float32, 1)
	halfToFloat(neg0, []byte{0x00, 0x80})
	require.True(t, neg0[0] == 0 && math.Signbit(float64(neg0[0])), "half 0x8000 = %v; want -0", neg0[0])
}
