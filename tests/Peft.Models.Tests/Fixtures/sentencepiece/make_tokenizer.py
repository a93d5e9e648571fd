# Trains the tiny SentencePiece BPE fixture (byte fallback) and writes the ids SentencePiece itself gives.
# Run with Debian's python3-sentencepiece: /usr/bin/python3 make_tokenizer.py
import sentencepiece as spm, json
text = """The capital of France is Paris. The capital of Italy is Rome.
Low-rank adapters fine-tune large language models with few parameters.
A tiny Llama learns to repeat: hello world, hello world, hello world.
Numbers 0 1 2 3 4 5 6 7 8 9 and punctuation, quotes "like this" and émigré café naïve.
""" * 20
open("corpus.txt","w").write(text)
spm.SentencePieceTrainer.train(input="corpus.txt", model_prefix="tokenizer", vocab_size=400, model_type="bpe",
    byte_fallback=True, character_coverage=1.0, bos_id=1, eos_id=2, unk_id=0, pad_id=-1, add_dummy_prefix=True,
    normalization_rule_name="identity", split_digits=True, allow_whitespace_only_pieces=True, remove_extra_whitespaces=False)
sp = spm.SentencePieceProcessor(model_file="tokenizer.model")
cases = ["The capital of France is", "hello world", "Low-rank adapters 42", "café 😀 zebra"]
out = {c: sp.encode(c) for c in cases}
json.dump(out, open("expected.json","w"), ensure_ascii=False, indent=1)
print(out)
print([sp.decode(v) for v in out.values()])
