package batch

// Wakeups reports how often b's dispatcher has woken up.
func Wakeups[In, Out any](b *Batcher[In, Out]) int64 { return b.m.wakeups.Load() }
