package tokenizer

import "fmt"

// Encoding is the result of encoding one text, ready for a model: the
// slices all have the same length.
type Encoding struct {
	// IDs are the vocabulary ids, the model's input_ids.
	IDs []int64
	// Tokens are the token strings ("hello", "##ing", "[CLS]").
	Tokens []string
	// Offsets are [start, end) character offsets into the text, counted in
	// runes as Python counts characters. Special and padding tokens have
	// [0, 0].
	Offsets [][2]int
	// TypeIDs are the segment ids (token_type_ids), 0 for a single text.
	TypeIDs []int64
	// AttentionMask is 1 for real tokens (special ones included), 0 for
	// padding.
	AttentionMask []int64
	// SpecialTokensMask is 1 for tokens added by the post-processor or by
	// padding, 0 for tokens of the text.
	SpecialTokensMask []int64
	// Truncated reports that tokens of the text were dropped to fit the
	// truncation length.
	Truncated bool
}

// Len is the number of tokens, padding included.
func (e Encoding) Len() int { return len(e.IDs) }

// Direction says which end truncation and padding act on.
type Direction int

const (
	// Right truncates or pads at the end (the default).
	Right Direction = iota
	// Left truncates or pads at the start.
	Left
)

func (d Direction) String() string {
	if d == Left {
		return "Left"
	}
	return "Right"
}

func parseDirection(s string) (Direction, error) {
	switch s {
	case "Right", "":
		return Right, nil
	case "Left":
		return Left, nil
	}
	return Right, fmt.Errorf("%w: direction %q (want Right or Left)", ErrInvalid, s)
}

// Truncation limits the number of tokens of an encoding.
type Truncation struct {
	// MaxLength is the most tokens an encoding has, special tokens
	// included. The text keeps MaxLength minus the special tokens (never
	// fewer than zero).
	MaxLength int
	// Direction is the end tokens are dropped from. Default Right.
	Direction Direction
}

// PaddingStrategy says how long padded encodings are.
type PaddingStrategy int

const (
	// PadLongest pads every encoding of a batch to the longest one.
	PadLongest PaddingStrategy = iota
	// PadFixed pads every encoding to Padding.Length. Longer encodings are
	// left alone (truncation is separate).
	PadFixed
)

func (s PaddingStrategy) String() string {
	if s == PadFixed {
		return "Fixed"
	}
	return "BatchLongest"
}

// Padding makes encodings the same length.
type Padding struct {
	// Strategy is PadLongest (default) or PadFixed.
	Strategy PaddingStrategy
	// Length is the target for PadFixed.
	Length int
	// Direction is the end padding goes to. Default Right.
	Direction Direction
	// MultipleOf, when > 0, rounds the target length up to a multiple of it
	// (tensor cores like multiples of 8).
	MultipleOf int
	// PadToken is the padding token. Empty means the tokenizer's own: the
	// padding section of tokenizer.json, else "[PAD]" or "<pad>" when the
	// vocabulary has one.
	PadToken string
	// PadID is the padding id, used only when PadToken is not in the
	// vocabulary (otherwise PadToken's id is used).
	PadID int64
	// PadTypeID is the type id of padding tokens. Default 0.
	PadTypeID int64
}

// target is the padded length for a batch whose longest encoding has
// longest tokens.
func (p *Padding) target(longest int) int {
	n := longest
	if p.Strategy == PadFixed {
		n = p.Length
	}
	if p.MultipleOf > 0 && n%p.MultipleOf != 0 {
		n += p.MultipleOf - n%p.MultipleOf
	}
	return n
}

// pad grows e to n tokens; encodings already that long are left alone.
func (p *Padding) pad(e *Encoding, n int) {
	k := n - len(e.IDs)
	if k <= 0 {
		return
	}
	grow := func(dst []int64, v int64) []int64 {
		out := make([]int64, 0, n)
		if p.Direction == Left {
			for range k {
				out = append(out, v)
			}
			return append(out, dst...)
		}
		out = append(out, dst...)
		for range k {
			out = append(out, v)
		}
		return out
	}
	e.IDs = grow(e.IDs, p.PadID)
	e.TypeIDs = grow(e.TypeIDs, p.PadTypeID)
	e.AttentionMask = grow(e.AttentionMask, 0)
	e.SpecialTokensMask = grow(e.SpecialTokensMask, 1)
	toks := make([]string, 0, n)
	offs := make([][2]int, 0, n)
	if p.Direction == Left {
		for range k {
			toks = append(toks, p.PadToken)
			offs = append(offs, [2]int{})
		}
	}
	toks = append(toks, e.Tokens...)
	offs = append(offs, e.Offsets...)
	if p.Direction == Right {
		for range k {
			toks = append(toks, p.PadToken)
			offs = append(offs, [2]int{})
		}
	}
	e.Tokens, e.Offsets = toks, offs
}
