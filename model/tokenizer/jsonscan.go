package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A fast reader for the big parts of tokenizer.json.
//
// A 33 MB file (Gemma 3: 262,144 tokens, 514,906 merges) took 4 s to load
// through encoding/json on these machines: every Unmarshal of a section
// re-validates the whole section, and the vocab map and merge list go
// through reflection. Loading must take under a second, so the top level
// and the model section are cut into fields by a byte scanner (skipping
// values checks that strings end and brackets balance), the vocabulary and
// the merges are read by hand, and encoding/json keeps the small sections,
// which it validates fully.

// jsonSpace skips JSON whitespace from i.
func jsonSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
		i++
	}
	return i
}

// jsonString finds the end of the string starting at data[i] == '"': the
// index after its closing quote, and whether it holds escapes. Control
// characters inside are not looked for (encoding/json refuses them; this
// reader only needs to know where strings end).
func jsonString(data []byte, i int) (end int, escaped bool, err error) {
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, false, fmt.Errorf("string starting at byte %d does not end", i)
		}
		q := j + k
		if bytes.IndexByte(data[j:q], '\\') < 0 {
			return q + 1, escaped, nil
		}
		escaped = true
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for p := q - 1; p > i && data[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, true, nil
		}
		j = q + 1
	}
}

// jsonSkip returns the index just past the value starting at data[i]
// (whitespace before it skipped). Containers must balance and strings end;
// scalars run to the next delimiter.
func jsonSkip(data []byte, i int) (int, error) {
	i = jsonSpace(data, i)
	if i >= len(data) {
		return 0, fmt.Errorf("value expected at byte %d, found the end", i)
	}
	switch data[i] {
	case '"':
		end, _, err := jsonString(data, i)
		return end, err
	case '{', '[':
		return jsonSkipContainer(data, i)
	}
	j := i
	for j < len(data) && !jsonDelim[data[j]] {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("unexpected %q at byte %d", data[i], i)
	}
	return j, nil
}

// jsonDelim marks the bytes that end a scalar; jsonSpecial the bytes a
// container skip stops at outside strings.
var jsonDelim, jsonSpecial = func() (d, sp [256]bool) {
	for _, c := range []byte(",]} \n\r\t") {
		d[c] = true
	}
	for _, c := range []byte(`"[]{}`) {
		sp[c] = true
	}
	return d, sp
}()

// jsonSkipContainer skips the object or array at data[i]. It is the hot
// loop of loading a large file (a vocab and merge list are tens of MB), so
// it runs over bytes that cannot matter without looking further.
func jsonSkipContainer(data []byte, i int) (int, error) {
	var stack []byte
	n := len(data)
	for j := i; j < n; j++ {
		for j < n && !jsonSpecial[data[j]] {
			j++
		}
		if j == n {
			break
		}
		switch c := data[j]; c {
		case '"':
			j++
			for j < n && data[j] != '"' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			if j >= n {
				return 0, fmt.Errorf("string in the value starting at byte %d does not end", i)
			}
		case '{', '[':
			stack = append(stack, c)
		default: // '}', ']'
			if len(stack) == 0 || (c == '}') != (stack[len(stack)-1] == '{') {
				return 0, fmt.Errorf("unbalanced %q at byte %d", c, j)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("value starting at byte %d does not end", i)
}

// jsonFields calls f for each member of the object data, with its key (raw,
// escapes not decoded: the keys of tokenizer.json have none) and value.
func jsonFields(data []byte, f func(key string, val []byte) error) error {
	i := jsonSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return fmt.Errorf("want a JSON object")
	}
	i = jsonSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return jsonEnd(data, i+1)
	}
	for i < len(data) {
		if data[i] != '"' {
			return fmt.Errorf("object key expected at byte %d", i)
		}
		end, _, err := jsonString(data, i)
		if err != nil {
			return err
		}
		key := string(data[i+1 : end-1])
		i = jsonSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return fmt.Errorf("':' expected after key %q", key)
		}
		start := jsonSpace(data, i+1)
		vend, err := jsonSkip(data, start)
		if err != nil {
			return fmt.Errorf("value of %q: %w", key, err)
		}
		if err := f(key, data[start:vend]); err != nil {
			return err
		}
		i = jsonSpace(data, vend)
		if i < len(data) && data[i] == ',' {
			i = jsonSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			return jsonEnd(data, i+1)
		}
		return fmt.Errorf("',' or '}' expected at byte %d", i)
	}
	return fmt.Errorf("object does not end")
}

// jsonEnd checks that only whitespace follows the value.
func jsonEnd(data []byte, i int) error {
	if i = jsonSpace(data, i); i != len(data) {
		return fmt.Errorf("unexpected data after the object at byte %d", i)
	}
	return nil
}

// decodeFile cuts tokenizer.json into its sections. The file must be
// UTF-8, as JSON is (tokenizers refuses other files; the hand-read vocab
// and merges take their bytes as they are).
func decodeFile(data []byte, f *fileJSON) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("not UTF-8")
	}
	return jsonFields(data, func(key string, val []byte) error {
		switch key {
		case "truncation":
			f.Truncation = val
		case "padding":
			f.Padding = val
		case "added_tokens":
			f.AddedTokens = val
		case "normalizer":
			f.Normalizer = val
		case "pre_tokenizer":
			f.PreTokenizer = val
		case "model":
			f.Model = val
		case "post_processor":
			f.PostProcessor = val
		case "decoder":
			f.Decoder = val
		}
		return nil
	})
}

// smallFieldLimit is the size above which unmarshalSmall leaves a field
// out: options are short, vocabularies and merge lists are long.
const smallFieldLimit = 4096

// unmarshalSmall decodes the short members of the object raw into v,
// leaving out long ones (vocab, merges), which v must not need.
func unmarshalSmall(raw []byte, v any) error {
	var small bytes.Buffer
	small.WriteByte('{')
	err := jsonFields(raw, func(key string, val []byte) error {
		if len(val) > smallFieldLimit {
			return nil
		}
		if small.Len() > 1 {
			small.WriteByte(',')
		}
		small.WriteString(strconv.Quote(key))
		small.WriteByte(':')
		small.Write(val)
		return nil
	})
	if err != nil {
		return err
	}
	small.WriteByte('}')
	return json.Unmarshal(small.Bytes(), v)
}

// jsonUnquote appends the contents of the string literal s (quotes
// included) to dst, decoding escapes as encoding/json does (a lone
// surrogate becomes U+FFFD).
func jsonUnquote(dst, s []byte) ([]byte, error) {
	s = s[1 : len(s)-1]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("bad escape at the end of %q", s)
		}
		switch s[i] {
		case '"', '\\', '/':
			dst = append(dst, s[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(s, i+1)
			if !ok {
				return nil, fmt.Errorf("bad \\u escape in %q", s)
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(s, i+3); ok && i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						dst = utf8.AppendRune(dst, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return nil, fmt.Errorf("bad escape \\%c in %q", s[i], s)
		}
	}
	return dst, nil
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s[i:i+4]), 16, 32)
	return rune(v), err == nil
}

// jsonElems returns where each element of the JSON array data starts,
// and whether the elements are arrays (merge pairs) rather than strings.
func jsonElems(data []byte) (starts []int, arrays bool, err error) {
	i := jsonSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, false, fmt.Errorf("want a JSON array")
	}
	i = jsonSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return nil, false, jsonEnd(data, i+1)
	}
	arrays = i < len(data) && data[i] == '['
	starts = make([]int, 0, bytes.Count(data, []byte{','})/(1+btoi(arrays))+1)
	for i < len(data) {
		starts = append(starts, i)
		end, err := jsonSkip(data, i)
		if err != nil {
			return nil, false, err
		}
		i = jsonSpace(data, end)
		if i < len(data) && data[i] == ',' {
			i = jsonSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == ']' {
			return starts, arrays, jsonEnd(data, i+1)
		}
		return nil, false, fmt.Errorf("',' or ']' expected at byte %d", i)
	}
	return nil, false, fmt.Errorf("array does not end")
}

// jsonMergeElem reads the merge at data[i]: a string (b nil), or with
// pair an array of two strings. Escaped strings are decoded into *bufA and
// *bufB; the results are valid until the next call.
func jsonMergeElem(data []byte, i int, pair bool, bufA, bufB *[]byte) (a, b []byte, err error) {
	str := func(i int, buf *[]byte) (int, []byte, error) {
		i = jsonSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return 0, nil, fmt.Errorf("string expected at byte %d", i)
		}
		end, esc, err := jsonString(data, i)
		if err != nil {
			return 0, nil, err
		}
		if !esc {
			return end, data[i+1 : end-1], nil
		}
		*buf, err = jsonUnquote((*buf)[:0], data[i:end])
		return end, *buf, err
	}
	if !pair {
		_, a, err = str(i, bufA)
		return a, nil, err
	}
	if i, a, err = str(i+1, bufA); err != nil {
		return nil, nil, err
	}
	if i = jsonSpace(data, i); i >= len(data) || data[i] != ',' {
		return nil, nil, fmt.Errorf("',' expected in a merge pair at byte %d", i)
	}
	if i, b, err = str(i+1, bufB); err != nil {
		return nil, nil, err
	}
	if i = jsonSpace(data, i); i >= len(data) || data[i] != ']' {
		return nil, nil, fmt.Errorf("merge pair of more than two strings at byte %d", i)
	}
	return a, b, nil
}

// jsonVocab reads a {"token": id, …} object.
func jsonVocab(data []byte) (map[string]int64, error) {
	m := make(map[string]int64, bytes.Count(data, []byte{','})+1)
	var buf []byte
	i := jsonSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, fmt.Errorf("want a JSON object")
	}
	i = jsonSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return m, jsonEnd(data, i+1)
	}
	for i < len(data) {
		if data[i] != '"' {
			return nil, fmt.Errorf("token expected at byte %d", i)
		}
		end, esc, err := jsonString(data, i)
		if err != nil {
			return nil, err
		}
		key := data[i+1 : end-1]
		if esc {
			if buf, err = jsonUnquote(buf[:0], data[i:end]); err != nil {
				return nil, err
			}
			key = buf
		}
		i = jsonSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, fmt.Errorf("':' expected after token %q", key)
		}
		i = jsonSpace(data, i+1)
		j := i
		for j < len(data) && data[j] >= '0' && data[j] <= '9' || j == i && j < len(data) && data[j] == '-' {
			j++
		}
		id, err := strconv.ParseInt(string(data[i:j]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("id of token %q: %w", key, err)
		}
		m[string(key)] = id
		i = jsonSpace(data, j)
		if i < len(data) && data[i] == ',' {
			i = jsonSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			return m, jsonEnd(data, i+1)
		}
		return nil, fmt.Errorf("',' or '}' expected at byte %d", i)
	}
	return nil, fmt.Errorf("vocab does not end")
}

// modelVocab returns the raw "vocab" field of a model section, refusing a
// section without one; what names the model kind in errors. Unigram and
// WordLevel read it by hand, for load time on large vocabularies.
func modelVocab(raw []byte, what string) ([]byte, error) {
	var vocabRaw []byte
	if err := jsonFields(raw, func(key string, val []byte) error {
		if key == "vocab" {
			vocabRaw = val
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("%w: %s model: %v", ErrInvalid, what, err)
	}
	if vocabRaw == nil || isNull(vocabRaw) {
		return nil, fmt.Errorf("%w: %s model has no vocab", ErrInvalid, what)
	}
	return vocabRaw, nil
}
