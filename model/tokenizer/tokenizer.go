package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

var (
	// ErrInvalid marks a tokenizer.json that is malformed or inconsistent.
	ErrInvalid = errors.New("invalid tokenizer")
	// ErrUnsupported marks a well-formed tokenizer.json that uses a
	// component this package does not implement yet (BPE, Unigram,
	// ByteLevel, Metaspace, Precompiled, …).
	ErrUnsupported = errors.New("unsupported tokenizer component")
)

// maxFileSize bounds what Load reads; the largest tokenizer.json files of
// public models are around 35 MB.
const maxFileSize = 256 << 20

// Tokenizer encodes text the way a Hugging Face tokenizer.json describes.
// It is immutable: the With… methods return configured copies, and one
// Tokenizer is safe for concurrent use by any number of goroutines.
type Tokenizer struct {
	normalizer normalizer
	preTok     preTokenizer
	model      model
	added      addedVocab
	post       template    // nil: the sequence alone
	trim       *offsetTrim // nil: offsets as the model gives them
	decoder    decoder     // nil: Decode joins tokens with spaces
	pairTpl    pairTemplate

	trunc      *Truncation
	pad        *Padding
	defaultPad Padding // pad token, id and type id resolved at load

	scratch *sync.Pool // of *scratch, shared by copies
}

// Load reads a tokenizer.json file.
func Load(path string) (*Tokenizer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loading tokenizer: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if st, err := f.Stat(); err == nil && st.Size() > 0 && st.Size() <= maxFileSize {
		buf.Grow(int(st.Size()) + bytes.MinRead) // one read, no regrowth of a 30 MB buffer
	}
	if _, err := buf.ReadFrom(io.LimitReader(f, maxFileSize+1)); err != nil {
		return nil, fmt.Errorf("loading tokenizer %s: %w", path, err)
	}
	if buf.Len() > maxFileSize {
		return nil, fmt.Errorf("loading tokenizer %s: %w: larger than %d bytes", path, ErrInvalid, maxFileSize)
	}
	t, err := FromJSON(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("loading tokenizer %s: %w", path, err)
	}
	return t, nil
}

type fileJSON struct {
	Truncation    json.RawMessage `json:"truncation"`
	Padding       json.RawMessage `json:"padding"`
	AddedTokens   json.RawMessage `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	Model         json.RawMessage `json:"model"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
}

// FromJSON builds a tokenizer from the contents of a tokenizer.json.
// Errors wrap ErrInvalid (malformed) or ErrUnsupported (a component not
// implemented here) and name the section at fault.
func FromJSON(data []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := decodeFile(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	t := &Tokenizer{scratch: &sync.Pool{New: func() any { return new(scratch) }}}
	var err error
	if t.model, err = parseModel(f.Model); err != nil {
		return nil, err
	}
	if t.normalizer, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	if t.preTok, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return nil, err
	}
	list, err := parseAddedTokens(f.AddedTokens)
	if err != nil {
		return nil, err
	}
	if t.added, err = newAddedVocab(list, t.normalizer, t.model); err != nil {
		return nil, err
	}
	if t.post, err = parsePostProcessor(f.PostProcessor); err != nil {
		return nil, err
	}
	if t.trim, err = parseOffsetTrim(f.PostProcessor); err != nil {
		return nil, err
	}
	t.pairTpl = parsePairTemplate(f.PostProcessor)
	if t.decoder, err = parseDecoder(f.Decoder); err != nil {
		return nil, err
	}
	if t.trunc, err = parseTruncation(f.Truncation); err != nil {
		return nil, err
	}
	if t.trunc != nil {
		if err := t.checkTruncation(*t.trunc); err != nil {
			return nil, err
		}
	}
	var filePad *Padding
	if filePad, err = parsePadding(f.Padding); err != nil {
		return nil, err
	}
	t.defaultPad = t.resolvePadDefault(filePad)
	if filePad != nil {
		p := t.resolvePad(*filePad)
		t.pad = &p
	}
	return t, nil
}

func parseTruncation(raw json.RawMessage) (*Truncation, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c struct {
		MaxLength int    `json:"max_length"`
		Direction string `json:"direction"`
		Strategy  string `json:"strategy"`
		Stride    int    `json:"stride"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: truncation: %v", ErrInvalid, err)
	}
	if c.MaxLength < 0 {
		return nil, fmt.Errorf("%w: truncation max_length %d, want >= 0", ErrInvalid, c.MaxLength)
	}
	d, err := parseDirection(c.Direction)
	if err != nil {
		return nil, fmt.Errorf("truncation: %w", err)
	}
	st, err := ParseTruncationStrategy(c.Strategy)
	if err != nil {
		return nil, fmt.Errorf("truncation: %w", err)
	}
	return &Truncation{MaxLength: c.MaxLength, Direction: d, Strategy: st, Stride: c.Stride}, nil
}

// checkTruncation refuses a stride that no single text could use: it must
// be below the room the text has beside the special tokens (tokenizers
// panics on it). Pairs have less room; EncodePair reports that.
func (t *Tokenizer) checkTruncation(tr Truncation) error {
	if tr.MaxLength < 0 || tr.Stride < 0 {
		return fmt.Errorf("%w: truncation max length %d, stride %d, want both >= 0", ErrInvalid, tr.MaxLength, tr.Stride)
	}
	room := tr.MaxLength - t.NumSpecialTokens()
	if tr.Stride > 0 && room > 0 && tr.Stride >= room {
		return fmt.Errorf("%w: truncation stride %d is not below the %d tokens a text keeps (max length %d minus %d special tokens)",
			ErrInvalid, tr.Stride, room, tr.MaxLength, t.NumSpecialTokens())
	}
	return nil
}

func parsePadding(raw json.RawMessage) (*Padding, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c struct {
		Strategy   json.RawMessage `json:"strategy"`
		Direction  string          `json:"direction"`
		MultipleOf *int            `json:"pad_to_multiple_of"`
		PadID      int64           `json:"pad_id"`
		PadTypeID  int64           `json:"pad_type_id"`
		PadToken   string          `json:"pad_token"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: padding: %v", ErrInvalid, err)
	}
	p := &Padding{PadID: c.PadID, PadTypeID: c.PadTypeID, PadToken: c.PadToken}
	var name string
	var fixed struct {
		Fixed *int `json:"Fixed"`
	}
	switch {
	case json.Unmarshal(c.Strategy, &name) == nil && name == "BatchLongest":
		p.Strategy = PadLongest
	case json.Unmarshal(c.Strategy, &fixed) == nil && fixed.Fixed != nil && *fixed.Fixed >= 0:
		p.Strategy, p.Length = PadFixed, *fixed.Fixed
	default:
		return nil, fmt.Errorf("%w: padding strategy %s (want \"BatchLongest\" or {\"Fixed\": n})", ErrInvalid, c.Strategy)
	}
	d, err := parseDirection(c.Direction)
	if err != nil {
		return nil, fmt.Errorf("padding: %w", err)
	}
	p.Direction = d
	if c.MultipleOf != nil {
		if *c.MultipleOf < 0 {
			return nil, fmt.Errorf("%w: padding pad_to_multiple_of %d, want >= 0", ErrInvalid, *c.MultipleOf)
		}
		p.MultipleOf = *c.MultipleOf
	}
	return p, nil
}

// resolvePadDefault picks the pad token used when a Padding names none.
func (t *Tokenizer) resolvePadDefault(file *Padding) Padding {
	if file != nil && file.PadToken != "" {
		p := Padding{PadToken: file.PadToken, PadID: file.PadID, PadTypeID: file.PadTypeID}
		if id, ok := t.TokenID(file.PadToken); ok {
			p.PadID = id
		}
		return p
	}
	for _, cand := range []string{"[PAD]", "<pad>"} {
		if id, ok := t.TokenID(cand); ok {
			return Padding{PadToken: cand, PadID: id}
		}
	}
	return Padding{PadToken: "[PAD]"}
}

// resolvePad fills the pad token, id and type id of p.
func (t *Tokenizer) resolvePad(p Padding) Padding {
	if p.PadToken == "" {
		p.PadToken, p.PadID = t.defaultPad.PadToken, t.defaultPad.PadID
		if p.PadTypeID == 0 {
			p.PadTypeID = t.defaultPad.PadTypeID
		}
		return p
	}
	if id, ok := t.TokenID(p.PadToken); ok {
		p.PadID = id
	}
	return p
}

func (t *Tokenizer) clone() *Tokenizer {
	c := *t
	return &c
}

// WithTruncation returns a copy that truncates encodings to maxLen tokens,
// special tokens included; maxLen <= 0 turns truncation off. The direction
// and strategy of tokenizer.json's truncation section are kept (Right and
// LongestFirst by default); the stride is reset to 0.
func (t *Tokenizer) WithTruncation(maxLen int) *Tokenizer {
	c := t.clone()
	if maxLen <= 0 {
		c.trunc = nil
		return c
	}
	tr := Truncation{MaxLength: maxLen}
	if t.trunc != nil {
		tr.Direction, tr.Strategy = t.trunc.Direction, t.trunc.Strategy
	}
	c.trunc = &tr
	return c
}

// WithTruncationConfig returns a copy with the given truncation
// (MaxLength <= 0 turns it off). A stride not below MaxLength minus the
// special tokens is refused with ErrInvalid.
func (t *Tokenizer) WithTruncationConfig(tr Truncation) (*Tokenizer, error) {
	c := t.clone()
	if tr.MaxLength <= 0 {
		c.trunc = nil
		return c, nil
	}
	if err := t.checkTruncation(tr); err != nil {
		return nil, err
	}
	c.trunc = &tr
	return c, nil
}

// WithPadding returns a copy that pads encodings as p says (see Padding for
// how the pad token is chosen).
func (t *Tokenizer) WithPadding(p Padding) *Tokenizer {
	c := t.clone()
	p = t.resolvePad(p)
	c.pad = &p
	return c
}

// WithoutPadding returns a copy that does not pad.
func (t *Tokenizer) WithoutPadding() *Tokenizer {
	c := t.clone()
	c.pad = nil
	return c
}

// Truncation reports the truncation in effect, if any.
func (t *Tokenizer) Truncation() (Truncation, bool) {
	if t.trunc == nil {
		return Truncation{}, false
	}
	return *t.trunc, true
}

// Padding reports the padding in effect, if any.
func (t *Tokenizer) Padding() (Padding, bool) {
	if t.pad == nil {
		return Padding{}, false
	}
	return *t.pad, true
}

// TokenID returns the id of a token (added tokens first, then the model's
// vocabulary).
func (t *Tokenizer) TokenID(tok string) (int64, bool) {
	if a, ok := t.added.byContent[tok]; ok {
		return a.id, true
	}
	return t.model.tokenID(tok)
}

// Token returns the token string of an id. For an added token with
// normalized set that is its normalized content, as tokenizers reports it
// (and decodes it).
func (t *Tokenizer) Token(id int64) (string, bool) {
	if a, ok := t.added.byID[id]; ok {
		return a.token, true
	}
	return t.model.tokenOf(id)
}

// PadID is the id padding uses: that of the padding in effect, else the
// tokenizer's default pad token ("[PAD]" is 0 for BERT models).
func (t *Tokenizer) PadID() int64 {
	if t.pad != nil {
		return t.pad.PadID
	}
	return t.defaultPad.PadID
}

// VocabSize is the size of the model's vocabulary, added tokens not
// counted separately.
func (t *Tokenizer) VocabSize() int { return t.model.vocabSize() }

// NumSpecialTokens is how many tokens Encode adds around a text when asked
// to add special tokens (2 for BERT: [CLS] and [SEP]).
func (t *Tokenizer) NumSpecialTokens() int { return t.post.numSpecial() }

// Encode tokenizes text. With addSpecial the post-processor's special
// tokens are added ([CLS] … [SEP] for BERT). Truncation and padding apply
// when configured; what truncation cuts off is in Overflowing. Encode never
// fails: text the vocabulary cannot cover becomes the unknown token, invalid
// UTF-8 counts one character per bad byte (each decoded as U+FFFD, which
// BERT's normalizer removes), and the OnlySecond strategy, an error for a
// single text in tokenizers, cuts the text as LongestFirst does.
func (t *Tokenizer) Encode(text string, addSpecial bool) Encoding {
	e, err := t.encode(text, nil, addSpecial)
	if err != nil {
		// Only OnlySecond can fail for a single text (the stride is checked
		// when truncation is configured).
		c := t.clone()
		tr := *t.trunc
		tr.Strategy = LongestFirst
		c.trunc = &tr
		e, _ = c.encode(text, nil, addSpecial)
	}
	if t.pad != nil {
		t.pad.pad(&e, t.pad.target(e.Len()))
	}
	return e
}

// EncodePair tokenizes a pair of texts (question and passage, query and
// document) with the post-processor's pair template ([CLS] a [SEP] b [SEP]
// for BERT, type ids 0 then 1). Truncation cuts the pair as its Strategy
// says; the errors wrap ErrTruncation (the pair cannot be cut as asked) or
// ErrUnsupported (the post-processor's pair form is not implemented).
func (t *Tokenizer) EncodePair(a, b string, addSpecial bool) (Encoding, error) {
	if t.pairTpl.err != nil {
		return Encoding{}, fmt.Errorf("encoding a pair: %w", t.pairTpl.err)
	}
	e, err := t.encode(a, &b, addSpecial)
	if err != nil {
		return Encoding{}, fmt.Errorf("encoding a pair: %w", err)
	}
	if t.pad != nil {
		t.pad.pad(&e, t.pad.target(e.Len()))
	}
	return e, nil
}

// EncodeBatch encodes texts in order; with padding configured, PadLongest
// pads them all to the longest. It runs on the calling goroutine: fan out
// through the shared executors for parallelism.
func (t *Tokenizer) EncodeBatch(texts []string, addSpecial bool) []Encoding {
	c := t.WithoutPadding()
	out := make([]Encoding, len(texts))
	longest := 0
	for i, s := range texts {
		out[i] = c.Encode(s, addSpecial)
		longest = max(longest, out[i].Len())
	}
	if t.pad != nil {
		n := t.pad.target(longest)
		for i := range out {
			t.pad.pad(&out[i], n)
		}
	}
	return out
}

// piece is a word (or an added token) with its original character range.
type piece struct {
	id       int64
	value    string
	from, to int
}

// encode runs normalization, pre-tokenization, the model, truncation and
// the post-processor on one text or a pair (tokenizers' encode and
// post_process, padding aside).
func (t *Tokenizer) encode(text string, pair *string, addSpecial bool) (Encoding, error) {
	return t.encodeLimit(text, pair, addSpecial, true)
}

// encodeLimit is encode; earlyStop false tokenizes the whole text even
// when truncation will cut it (EncodeWindows).
func (t *Tokenizer) encodeLimit(text string, pair *string, addSpecial, earlyStop bool) (Encoding, error) {
	sc := t.scratch.Get().(*scratch)
	defer t.scratch.Put(sc)

	limit, dir := 0, Right
	if t.trunc != nil {
		limit, dir = t.trunc.MaxLength, t.trunc.Direction
	}
	if !earlyStop {
		limit = 0
	}
	a := seqEnc{pieces: t.tokens(text, sc, limit, dir)}
	var b *seqEnc
	pieces := singlePieces(t.post)
	if t.post == nil {
		pieces = nil
	}
	if pair != nil {
		// The scratch buffer is reused for the second text.
		a.pieces = append([]piece(nil), a.pieces...)
		b = &seqEnc{pieces: t.tokens(*pair, sc, limit, dir), typeID: 1}
		pieces = t.pairTpl.pieces
	}
	if t.trunc != nil {
		room := t.trunc.MaxLength
		if addSpecial {
			room -= numSpecialPieces(pieces)
		}
		// A max length below the special tokens wraps around in tokenizers
		// (an unsigned subtraction): nothing is truncated then, beyond the
		// early stop of tokenization. Checked against the reference.
		if room >= 0 {
			if err := truncateSeqs(&a, b, room, *t.trunc); err != nil {
				return Encoding{}, err
			}
		}
	}
	seqs := []*seqEnc{&a}
	if b != nil {
		seqs = append(seqs, b)
	}
	if t.trim != nil {
		// The post-processor trims offsets after truncation, each window on
		// its own (its first token counts as first), so overlapping windows
		// get their own copies.
		for _, s := range seqs {
			for i := range s.over {
				s.over[i].pieces = append([]piece(nil), s.over[i].pieces...)
				t.trim.apply(s.over[i].pieces)
			}
			t.trim.apply(s.pieces)
		}
	}
	return build(pieces, seqs, addSpecial, pair != nil && t.pairTpl.overTemplateType), nil
}

// tokens is the pipeline up to the model: added tokens are cut out of the
// raw text, each remaining part is normalized, cut on normalized added
// tokens, pre-tokenized into words, and each word goes through the model.
//
// It stays whole because its three levels (raw added tokens, normalized
// added tokens, words) share the early stop and the word starts.
//
// With limit > 0 (truncation's max length), words after the one that
// brings the count to limit are not tokenized (Right), or, for Left, the
// tokens are cut at the start of the word holding the limit-th token from
// the end: tokenizers stops that early, and what truncation then puts in
// the overflowing windows depends on it.
func (t *Tokenizer) tokens(text string, sc *scratch, limit int, dir Direction) []piece {
	root := newNormalized([]rune(text), 0)
	out := sc.pieces[:0]
	starts := sc.starts[:0]
	defer func() { sc.starts = starts[:0] }()
	words := sc.words[:0]
	mtoks := sc.mtoks[:0]
	defer func() {
		// Keep the grown buffers for the next call; drop references to
		// this text's runes so the pool does not pin them.
		clear(words[:cap(words)])
		sc.pieces, sc.words, sc.mtoks = out[:0], words[:0], mtoks[:0]
	}()
	sc.splits = t.added.raw.split(sc.splits[:0], root.runes)
	for _, sp := range sc.splits {
		part := root.slice(sp.lo, sp.hi)
		if sp.tok != nil {
			from, to := part.origRange(0, part.len())
			starts = append(starts, len(out))
			out = append(out, piece{id: sp.tok.id, value: string(part.runes), from: from, to: to})
			if limit > 0 && dir == Right && len(out) >= limit {
				return out
			}
			continue
		}
		if part.len() == 0 {
			continue
		}
		if t.normalizer != nil {
			t.normalizer.normalize(&part)
		}
		var nsplits []split
		if t.added.norm.empty() {
			nsplits = append(sc.nsplits[:0], split{lo: 0, hi: part.len()})
		} else {
			nsplits = t.added.norm.split(sc.nsplits[:0], part.runes)
		}
		sc.nsplits = nsplits
		for _, nsp := range nsplits {
			sub := part.slice(nsp.lo, nsp.hi)
			if sub.len() == 0 {
				continue
			}
			if nsp.tok != nil {
				from, to := sub.origRange(0, sub.len())
				starts = append(starts, len(out))
				out = append(out, piece{id: nsp.tok.id, value: string(sub.runes), from: from, to: to})
				if limit > 0 && dir == Right && len(out) >= limit {
					return out
				}
				continue
			}
			words = words[:0]
			if t.preTok != nil {
				words = t.preTok.preTokenize(words, sub)
			} else {
				words = append(words, sub)
			}
			for i := range words {
				w := &words[i]
				mtoks = t.model.tokenize(mtoks[:0], w.runes, sc)
				starts = append(starts, len(out))
				for _, mt := range mtoks {
					from, to := w.origRange(mt.lo, mt.hi)
					out = append(out, piece{id: mt.id, value: mt.value, from: from, to: to})
				}
				if limit > 0 && dir == Right && len(out) >= limit {
					return out
				}
			}
		}
	}
	if limit > 0 && dir == Left && len(out) > limit {
		cut := 0
		for _, st := range starts {
			if st > len(out)-limit {
				break
			}
			cut = st
		}
		return out[cut:]
	}
	return out
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}
