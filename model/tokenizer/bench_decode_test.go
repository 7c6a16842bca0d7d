package tokenizer

import "testing"

// BenchmarkDecode decodes the ids of the MiniLM golden's texts (special
// tokens skipped), and the same ids through the stream, one id at a time.
func BenchmarkDecode(b *testing.B) {
	tok := loadMiniLM(b)
	var seqs [][]int64
	tokens := 0
	for _, r := range readGoldenFile(b, "testdata/minilm_golden.jsonl.gz") {
		if r.Pair == nil {
			seqs = append(seqs, r.IDs)
			tokens += len(r.IDs)
		}
	}
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, ids := range seqs {
				if _, err := tok.Decode(ids, true); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	})
	b.Run("Stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, ids := range seqs {
				s := tok.NewStream(true)
				for _, id := range ids {
					if _, err := s.Step(id); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	})
}
