package tokenizer

import (
	"testing"
	"unicode/utf8"
)

// newsParagraphs are the golden texts that are news paragraphs (the longer
// ones), the workload masx tokenizes.
func newsParagraphs(b testing.TB) []string {
	var out []string
	for _, r := range readGolden(b) {
		if utf8.RuneCountInString(r.Text) >= 200 {
			out = append(out, r.Text)
		}
	}
	return out
}

// BenchmarkEncode encodes the news paragraphs of the golden file one by one
// and reports tokens/s and texts/s (wall clock) and tokens per CPU-second.
func BenchmarkEncode(b *testing.B) {
	tok := loadMiniLM(b)
	texts := newsParagraphs(b)
	tokens := 0
	for _, s := range texts {
		tokens += tok.Encode(s, true).Len()
	}
	bytes := 0
	for _, s := range texts {
		bytes += len(s)
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		for _, s := range texts {
			tok.Encode(s, true)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(tokens)*float64(b.N)/sec, "tokens/s")
	b.ReportMetric(float64(len(texts))*float64(b.N)/sec, "texts/s")
	if cpu := (processCPU() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(float64(tokens)*float64(b.N)/cpu, "tokens/cpu-s")
	}
}

// BenchmarkLoad reads and builds the MiniLM tokenizer.json (30,522 tokens).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if _, err := Load("testdata/minilm_tokenizer.json"); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := (processCPU() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(cpu*1000/float64(b.N), "cpu-ms/op")
	}
}
