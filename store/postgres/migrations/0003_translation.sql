-- Translation (issue 17): which backend translated an article (or was
-- asked to and could not), why a non-English article is not translated,
-- and which text (original or translation) its summary, vector and
-- cluster come from. raw_text_en and translated exist since 0001.
-- Constant defaults upgrade the table in place, without rewriting it.

ALTER TABLE articles ADD COLUMN translator TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN translation_error TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN text_used TEXT NOT NULL DEFAULT '';
