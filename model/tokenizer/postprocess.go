package tokenizer

import (
	"encoding/json"
	"fmt"
)

// templatePiece is one element of a single-sequence template: either the
// sequence itself or a special token (which may expand to several ids).
type templatePiece struct {
	sequence bool
	typeID   int64
	ids      []int64
	tokens   []string
}

// template is the post-processor for single sequences. TemplateProcessing
// and BertProcessing both reduce to one ("[CLS] $A [SEP]" for BERT).
type template []templatePiece

// numSpecial is how many tokens the template adds around the sequence.
func (t template) numSpecial() int {
	n := 0
	for _, p := range t {
		if !p.sequence {
			n += len(p.ids)
		}
	}
	return n
}

func parsePostProcessor(raw json.RawMessage) (template, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: post_processor: %v", ErrInvalid, err)
	}
	switch head.Type {
	case "BertProcessing":
		var c struct {
			Sep [2]json.RawMessage `json:"sep"`
			Cls [2]json.RawMessage `json:"cls"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: BertProcessing: %v", ErrInvalid, err)
		}
		cls, err := parseTokenPair(c.Cls, "BertProcessing cls")
		if err != nil {
			return nil, err
		}
		sep, err := parseTokenPair(c.Sep, "BertProcessing sep")
		if err != nil {
			return nil, err
		}
		return template{cls, {sequence: true}, sep}, nil
	case "RobertaProcessing":
		return parseRobertaProcessing(raw)
	case "ByteLevel":
		return nil, nil // offsets only: parseOffsetTrim
	case "Sequence":
		return parseSequenceProcessing(raw)
	case "TemplateProcessing":
		var c templateJSON
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: TemplateProcessing: %v", ErrInvalid, err)
		}
		var t template
		for i, p := range c.Single {
			switch {
			case p.Sequence != nil:
				t = append(t, templatePiece{sequence: true, typeID: p.Sequence.TypeID})
			case p.SpecialToken != nil:
				st, ok := c.SpecialTokens[p.SpecialToken.ID]
				if !ok {
					return nil, fmt.Errorf("%w: TemplateProcessing single[%d] uses special token %q missing from special_tokens",
						ErrInvalid, i, p.SpecialToken.ID)
				}
				if len(st.IDs) != len(st.Tokens) {
					return nil, fmt.Errorf("%w: TemplateProcessing special token %q has %d ids but %d tokens",
						ErrInvalid, p.SpecialToken.ID, len(st.IDs), len(st.Tokens))
				}
				t = append(t, templatePiece{typeID: p.SpecialToken.TypeID, ids: st.IDs, tokens: st.Tokens})
			default:
				return nil, fmt.Errorf("%w: TemplateProcessing single[%d] is neither SpecialToken nor Sequence", ErrInvalid, i)
			}
		}
		return t, nil
	}
	return nil, fmt.Errorf("%w: post_processor type %q (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)", ErrUnsupported, head.Type)
}

// parseTokenPair reads BertProcessing's ["[CLS]", 101].
func parseTokenPair(p [2]json.RawMessage, what string) (templatePiece, error) {
	var tok string
	var id int64
	if err := json.Unmarshal(p[0], &tok); err != nil {
		return templatePiece{}, fmt.Errorf("%w: %s token: %v", ErrInvalid, what, err)
	}
	if err := json.Unmarshal(p[1], &id); err != nil {
		return templatePiece{}, fmt.Errorf("%w: %s id: %v", ErrInvalid, what, err)
	}
	return templatePiece{ids: []int64{id}, tokens: []string{tok}}, nil
}

// templateJSON is TemplateProcessing's section: the single and pair
// templates and the special tokens they name. The single template is read
// by parsePostProcessor, the pair template by parseTemplatePair.
type templateJSON struct {
	Single        []templateItemJSON `json:"single"`
	Pair          []templateItemJSON `json:"pair"`
	SpecialTokens map[string]struct {
		ID     string   `json:"id"`
		IDs    []int64  `json:"ids"`
		Tokens []string `json:"tokens"`
	} `json:"special_tokens"`
}

// templateItemJSON is one item of a template: a special token or a
// sequence, each with its type id.
type templateItemJSON struct {
	SpecialToken *templateRefJSON `json:"SpecialToken"`
	Sequence     *templateRefJSON `json:"Sequence"`
}

type templateRefJSON struct {
	ID     string `json:"id"`
	TypeID int64  `json:"type_id"`
}
