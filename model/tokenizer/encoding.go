package tokenizer

import (
	"errors"
	"fmt"
)

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
	// Overflowing holds what truncation cut off, as tokenizers gives it:
	// windows of the truncation length over the rest of the text, each
	// overlapping the one before by Truncation.Stride tokens, with the
	// post-processor's special tokens and the padding of the main
	// encoding. For pairs, each window of one text is combined with the
	// other text and with each of its windows, in tokenizers' order. Use
	// them to cover a long article in windows.
	Overflowing []Encoding
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

// TruncationStrategy says which text of a pair loses tokens.
type TruncationStrategy int

const (
	// LongestFirst cuts the longer text of a pair first, down to an even
	// split (the default; for a single text all strategies cut it).
	LongestFirst TruncationStrategy = iota
	// OnlyFirst cuts only the first text of a pair; it is an error when
	// that is not enough.
	OnlyFirst
	// OnlySecond cuts only the second text of a pair; it is an error when
	// that is not enough, or when there is no second text.
	OnlySecond
)

func (s TruncationStrategy) String() string {
	switch s {
	case OnlyFirst:
		return "OnlyFirst"
	case OnlySecond:
		return "OnlySecond"
	}
	return "LongestFirst"
}

// ParseTruncationStrategy reads tokenizers' names (LongestFirst,
// OnlyFirst, OnlySecond) and the snake_case forms transformers uses.
func ParseTruncationStrategy(s string) (TruncationStrategy, error) {
	switch s {
	case "LongestFirst", "longest_first", "":
		return LongestFirst, nil
	case "OnlyFirst", "only_first":
		return OnlyFirst, nil
	case "OnlySecond", "only_second":
		return OnlySecond, nil
	}
	return LongestFirst, fmt.Errorf("%w: truncation strategy %q (want LongestFirst, OnlyFirst or OnlySecond)", ErrInvalid, s)
}

// Truncation limits the number of tokens of an encoding.
type Truncation struct {
	// MaxLength is the most tokens an encoding has, special tokens
	// included. The texts keep MaxLength minus the special tokens.
	MaxLength int
	// Direction is the end tokens are dropped from. Default Right.
	Direction Direction
	// Strategy says which text of a pair is cut. Default LongestFirst.
	Strategy TruncationStrategy
	// Stride is how many tokens each overflowing window repeats from the
	// one before it; it must be less than MaxLength minus the special
	// tokens. Default 0.
	Stride int
}

// ErrTruncation marks a pair that cannot be truncated as asked: the
// strategy's text is too short to lose enough tokens, OnlySecond without a
// second text, or a stride not below the room the texts have.
var ErrTruncation = errors.New("truncation error")

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

// pad grows e and its overflowing encodings to n tokens; encodings already
// that long are left alone.
func (p *Padding) pad(e *Encoding, n int) {
	for i := range e.Overflowing {
		p.pad(&e.Overflowing[i], n)
	}
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
