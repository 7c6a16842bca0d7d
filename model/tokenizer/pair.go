package tokenizer

import (
	"encoding/json"
	"fmt"
)

// EncodeWindows covers the whole of a long text (an article) with windows
// of the truncation's MaxLength tokens, special tokens included, each
// repeating Stride tokens of the one before, in order, padded as configured.
// Encode's Overflowing cannot serve: like tokenizers, Encode stops
// tokenizing at the word that reaches MaxLength, so its windows cover only
// that much of the text. Without truncation configured the one window is
// the whole text.
func (t *Tokenizer) EncodeWindows(text string, addSpecial bool) []Encoding {
	c := t
	if t.trunc != nil && t.trunc.Strategy == OnlySecond {
		c = t.clone()
		tr := *t.trunc
		tr.Strategy = LongestFirst
		c.trunc = &tr
	}
	// A single text cannot fail (the stride was checked when configured).
	e, _ := c.encodeLimit(text, nil, addSpecial, false)
	out := make([]Encoding, 0, 1+len(e.Overflowing))
	over := e.Overflowing
	e.Overflowing = nil
	out = append(out, e)
	out = append(out, over...)
	if t.pad != nil {
		n := 0
		for _, w := range out {
			n = max(n, w.Len())
		}
		n = t.pad.target(n)
		for i := range out {
			t.pad.pad(&out[i], n)
		}
	}
	return out
}

// seqEnc is one text's tokens before post-processing. Truncation slices
// pieces without copying; overflowing windows are slices of the same array.
type seqEnc struct {
	pieces []piece
	typeID int64 // 0 for the first text, 1 for the second, as tokenizers gives them
	over   []seqEnc
	cut    bool
}

// truncateSeq is tokenizers' Encoding::truncate: keep maxLen tokens at the
// direction's far end, the rest becoming windows of maxLen tokens that each
// repeat stride tokens of the one before.
func truncateSeq(s *seqEnc, maxLen, stride int, dir Direction) error {
	n := len(s.pieces)
	if maxLen >= n {
		return nil
	}
	if maxLen == 0 {
		s.over = append(s.over, seqEnc{pieces: s.pieces, typeID: s.typeID})
		s.pieces, s.cut = nil, true
		return nil
	}
	if stride >= maxLen {
		return fmt.Errorf("%w: stride %d is not below the %d tokens a text may keep (max length minus special tokens)",
			ErrTruncation, stride, maxLen)
	}
	step := maxLen - stride
	var parts [][2]int
	if dir == Right {
		for start := 0; start < n; start += step {
			stop := min(start+maxLen, n)
			parts = append(parts, [2]int{start, stop})
			if stop == n {
				break
			}
		}
	} else {
		for last := n - 1; last >= 0; last -= step {
			stop := last + 1
			start := max(stop-maxLen, 0)
			parts = append(parts, [2]int{start, stop})
			if start == 0 {
				break
			}
		}
	}
	all := s.pieces
	s.pieces = all[parts[0][0]:parts[0][1]]
	s.cut = true
	s.over = s.over[:0]
	for _, p := range parts[1:] {
		s.over = append(s.over, seqEnc{pieces: all[p[0]:p[1]], typeID: s.typeID})
	}
	return nil
}

// truncateSeqs is tokenizers' truncate_encodings: maxLen is the room left
// after the special tokens.
func truncateSeqs(a *seqEnc, b *seqEnc, maxLen int, tr Truncation) error {
	if maxLen == 0 {
		if err := truncateSeq(a, 0, tr.Stride, tr.Direction); err != nil {
			return err
		}
		if b != nil {
			return truncateSeq(b, 0, tr.Stride, tr.Direction)
		}
		return nil
	}
	total := len(a.pieces)
	if b != nil {
		total += len(b.pieces)
	}
	if total <= maxLen {
		return nil
	}
	remove := total - maxLen
	switch tr.Strategy {
	case LongestFirst:
		if b == nil {
			return truncateSeq(a, total-remove, tr.Stride, tr.Direction)
		}
		n1, n2 := len(a.pieces), len(b.pieces)
		swap := n1 > n2
		if swap {
			n1, n2 = n2, n1
		}
		if n1 > maxLen {
			n2 = n1
		} else {
			n2 = max(n1, maxLen-n1)
		}
		if n1+n2 > maxLen {
			n1 = maxLen / 2
			n2 = n1 + maxLen%2
		}
		if swap {
			n1, n2 = n2, n1
		}
		if err := truncateSeq(a, n1, tr.Stride, tr.Direction); err != nil {
			return err
		}
		return truncateSeq(b, n2, tr.Stride, tr.Direction)
	default:
		target := a
		if tr.Strategy == OnlySecond {
			if b == nil {
				return fmt.Errorf("%w: OnlySecond needs a second text", ErrTruncation)
			}
			target = b
		}
		n := len(target.pieces)
		if n <= remove {
			return fmt.Errorf("%w: %s must remove %d tokens from a text of %d to fit %d", ErrTruncation, tr.Strategy, remove, n, maxLen)
		}
		return truncateSeq(target, n-remove, tr.Stride, tr.Direction)
	}
}

// tplPiece is one element of a post-processor template: a special token
// (seq -1) or the first (0) or second (1) text.
type tplPiece struct {
	seq    int
	typeID int64
	ids    []int64
	tokens []string
}

// singlePieces views the single-text template as tplPieces.
func singlePieces(t template) []tplPiece {
	out := make([]tplPiece, len(t))
	for i, p := range t {
		out[i] = tplPiece{seq: -1, typeID: p.typeID, ids: p.ids, tokens: p.tokens}
		if p.sequence {
			out[i].seq = 0
		}
	}
	return out
}

func numSpecialPieces(ps []tplPiece) int {
	n := 0
	for _, p := range ps {
		if p.seq < 0 {
			n += len(p.ids)
		}
	}
	return n
}

// pairTemplate is the post-processor's template for pairs: pieces when
// known, else err says why pairs cannot be encoded (nil pieces and nil err:
// no post-processor, the texts are concatenated).
type pairTemplate struct {
	pieces []tplPiece
	err    error
	// overTemplateType: overflowing windows take the template's type ids
	// (RobertaProcessing writes them all 0), not their text's own.
	overTemplateType bool
}

// parsePairTemplate reads the pair form of the post-processor. A
// post-processor whose pair form is not known here does not stop the file
// from loading: only EncodePair fails, naming it.
func parsePairTemplate(raw json.RawMessage) pairTemplate {
	if isNull(raw) {
		return pairTemplate{}
	}
	var c struct {
		Type string             `json:"type"`
		Sep  [2]json.RawMessage `json:"sep"`
		Cls  [2]json.RawMessage `json:"cls"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return pairTemplate{err: fmt.Errorf("%w: post_processor: %v", ErrInvalid, err)}
	}
	switch c.Type {
	case "ByteLevel":
		return pairTemplate{} // offsets only: the texts one after the other
	case "RobertaProcessing":
		single, err := parseRobertaProcessing(raw)
		if err != nil {
			return pairTemplate{err: err}
		}
		cls, sep := single[0], single[2]
		sp := func(p templatePiece) tplPiece { return tplPiece{seq: -1, ids: p.ids, tokens: p.tokens} }
		return pairTemplate{overTemplateType: true, pieces: []tplPiece{
			sp(cls), {seq: 0}, sp(sep), sp(sep), {seq: 1}, sp(sep),
		}}
	case "Sequence":
		var seq struct {
			Processors []json.RawMessage `json:"processors"`
		}
		if err := json.Unmarshal(raw, &seq); err != nil {
			return pairTemplate{err: fmt.Errorf("%w: post_processor Sequence: %v", ErrInvalid, err)}
		}
		// Members that trim offsets leave the encodings apart; the one that
		// adds special tokens (parseSequenceProcessing allows one) decides.
		var out pairTemplate
		for _, p := range seq.Processors {
			if pt := parsePairTemplate(p); pt.err != nil || pt.pieces != nil {
				out = pt
			}
		}
		return out
	case "BertProcessing":
		cls, err := parseTokenPair(c.Cls, "BertProcessing cls")
		if err != nil {
			return pairTemplate{err: err}
		}
		sep, err := parseTokenPair(c.Sep, "BertProcessing sep")
		if err != nil {
			return pairTemplate{err: err}
		}
		return pairTemplate{pieces: []tplPiece{
			{seq: -1, ids: cls.ids, tokens: cls.tokens}, {seq: 0},
			{seq: -1, ids: sep.ids, tokens: sep.tokens}, {seq: 1, typeID: 1},
			{seq: -1, typeID: 1, ids: sep.ids, tokens: sep.tokens},
		}}
	case "TemplateProcessing":
		return parseTemplatePair(raw)
	}
	return pairTemplate{err: fmt.Errorf("%w: pairs with post_processor type %q", ErrUnsupported, c.Type)}
}

// build assembles the encoding from the template pieces (nil pieces: the
// texts one after the other with their own type ids), as tokenizers'
// post-processor does: specials only with addSpecial, each text taking its
// piece's type id. Overflowing windows are combined by merge, in
// tokenizers' order.
func build(pieces []tplPiece, seqs []*seqEnc, addSpecial, overTemplateType bool) Encoding {
	parts := make([]Encoding, 0, len(pieces)+len(seqs))
	hasOver := false
	for _, s := range seqs {
		hasOver = hasOver || len(s.over) > 0
	}
	if !hasOver {
		return buildFlat(pieces, seqs, addSpecial)
	}
	if pieces == nil {
		for _, s := range seqs {
			parts = append(parts, s.encoding(s.typeID, s.typeID))
		}
	}
	for _, p := range pieces {
		switch {
		case p.seq >= 0:
			s := seqs[p.seq]
			over := s.typeID
			if overTemplateType {
				over = p.typeID
			}
			parts = append(parts, s.encoding(p.typeID, over))
		case addSpecial:
			parts = append(parts, specialEncoding(p))
		}
	}
	var out Encoding
	for _, p := range parts {
		out = merge(out, p)
	}
	for _, s := range seqs {
		out.Truncated = out.Truncated || s.cut
	}
	return out
}

// buildFlat is build without overflowing windows: one allocation per
// field, the hot path of Encode.
func buildFlat(pieces []tplPiece, seqs []*seqEnc, addSpecial bool) Encoding {
	n := 0
	for _, s := range seqs {
		n += len(s.pieces)
	}
	if addSpecial {
		n += numSpecialPieces(pieces)
	}
	e := Encoding{
		IDs: make([]int64, 0, n), Tokens: make([]string, 0, n), Offsets: make([][2]int, 0, n),
		TypeIDs: make([]int64, 0, n), AttentionMask: make([]int64, 0, n), SpecialTokensMask: make([]int64, 0, n),
	}
	for _, s := range seqs {
		e.Truncated = e.Truncated || s.cut
	}
	if pieces == nil {
		for _, s := range seqs {
			appendSeq(&e, s.pieces, s.typeID)
		}
		return e
	}
	for _, p := range pieces {
		switch {
		case p.seq >= 0:
			appendSeq(&e, seqs[p.seq].pieces, p.typeID)
		case addSpecial:
			appendSpecial(&e, p)
		}
	}
	return e
}

func appendSeq(e *Encoding, ps []piece, typeID int64) {
	for _, p := range ps {
		e.IDs = append(e.IDs, p.id)
		e.Tokens = append(e.Tokens, p.value)
		e.Offsets = append(e.Offsets, [2]int{p.from, p.to})
		e.TypeIDs = append(e.TypeIDs, typeID)
		e.AttentionMask = append(e.AttentionMask, 1)
		e.SpecialTokensMask = append(e.SpecialTokensMask, 0)
	}
}

func appendSpecial(e *Encoding, p tplPiece) {
	for i, id := range p.ids {
		e.IDs = append(e.IDs, id)
		e.Tokens = append(e.Tokens, p.tokens[i])
		e.Offsets = append(e.Offsets, [2]int{})
		e.TypeIDs = append(e.TypeIDs, p.typeID)
		e.AttentionMask = append(e.AttentionMask, 1)
		e.SpecialTokensMask = append(e.SpecialTokensMask, 1)
	}
}

func specialEncoding(p tplPiece) Encoding {
	var e Encoding
	appendSpecial(&e, p)
	return e
}

// encoding is the text as its own encoding: the main part takes the
// template's type id, the overflowing windows overType (in tokenizers
// the text's own, 0 or 1, for TemplateProcessing).
func (s *seqEnc) encoding(typeID, overType int64) Encoding {
	var e Encoding
	appendSeq(&e, s.pieces, typeID)
	for i := range s.over {
		e.Overflowing = append(e.Overflowing, s.over[i].encoding(overType, overType))
	}
	return e
}

// merge is tokenizers' Encoding::merge_with: a followed by b, with the
// overflowing windows combined: each of a's with b and with each of b's,
// then a with each of b's.
func merge(a, b Encoding) Encoding {
	var over []Encoding
	for _, ao := range a.Overflowing {
		over = append(over, merge(ao, b))
		for _, bo := range b.Overflowing {
			over = append(over, merge(ao, bo))
		}
	}
	for _, bo := range b.Overflowing {
		over = append(over, merge(a, bo))
	}
	return Encoding{
		IDs:               concat(a.IDs, b.IDs),
		Tokens:            concat(a.Tokens, b.Tokens),
		Offsets:           concat(a.Offsets, b.Offsets),
		TypeIDs:           concat(a.TypeIDs, b.TypeIDs),
		AttentionMask:     concat(a.AttentionMask, b.AttentionMask),
		SpecialTokensMask: concat(a.SpecialTokensMask, b.SpecialTokensMask),
		Truncated:         a.Truncated || b.Truncated,
		Overflowing:       over,
	}
}

func concat[T any](a, b []T) []T {
	out := make([]T, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

// parseTemplatePair reads TemplateProcessing's "pair" template.
func parseTemplatePair(raw json.RawMessage) pairTemplate {
	var c templateJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return pairTemplate{err: fmt.Errorf("%w: TemplateProcessing: %v", ErrInvalid, err)}
	}
	var ps []tplPiece
	for i, p := range c.Pair {
		switch {
		case p.Sequence != nil:
			seq := 0
			switch p.Sequence.ID {
			case "A":
			case "B":
				seq = 1
			default:
				return pairTemplate{err: fmt.Errorf("%w: TemplateProcessing pair[%d] sequence %q (want A or B)", ErrInvalid, i, p.Sequence.ID)}
			}
			ps = append(ps, tplPiece{seq: seq, typeID: p.Sequence.TypeID})
		case p.SpecialToken != nil:
			st, ok := c.SpecialTokens[p.SpecialToken.ID]
			if !ok || len(st.IDs) != len(st.Tokens) {
				return pairTemplate{err: fmt.Errorf("%w: TemplateProcessing pair[%d] special token %q is missing or inconsistent",
					ErrInvalid, i, p.SpecialToken.ID)}
			}
			ps = append(ps, tplPiece{seq: -1, typeID: p.SpecialToken.TypeID, ids: st.IDs, tokens: st.Tokens})
		default:
			return pairTemplate{err: fmt.Errorf("%w: TemplateProcessing pair[%d] is neither SpecialToken nor Sequence", ErrInvalid, i)}
		}
	}
	if len(ps) == 0 {
		return pairTemplate{err: fmt.Errorf("%w: TemplateProcessing has no pair template", ErrUnsupported)}
	}
	return pairTemplate{pieces: ps}
}
