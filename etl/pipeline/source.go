package pipeline

// Source yields the flashpoints of a run one at a time. A source stops when
// yield returns an error and returns that error, so a streaming source
// reads its input only as fast as its consumer (jobs.Submit) takes it.
type Source func(yield func(Work) error) error

// Slice is a Source over flashpoints already in memory.
func Slice(ws []Work) Source {
	return func(yield func(Work) error) error {
		for _, w := range ws {
			if err := yield(w); err != nil {
				return err
			}
		}
		return nil
	}
}
