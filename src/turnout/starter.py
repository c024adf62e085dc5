"""The commented starter config that ``turnout init`` writes."""

STARTER_CONFIG = """\
# turnout.yaml: how Turnout routes your LLM requests.
# Every section is optional; delete what you do not need. ${VAR} and ${VAR:-default} read the
# environment (and ./.env). Run `turnout route "some prompt"` to see a decision without a call.

# Models turnout may use. Catalog names (gpt-4o, claude-3-5-sonnet-20241022, ...) inherit their
# context window and prices; anything else needs `provider` and its facts.
# Leave `models` out entirely to use every catalog model whose API key is set, plus the
# embedded local model.
models:
  - name: local/qwen2.5-coder-0.5b      # embedded llama.cpp model, in-process (turnout[local])
  - name: gpt-4o-mini                   # needs OPENAI_API_KEY
    fallbacks: [claude-3-5-haiku-20241022]
  - name: gpt-4o
  - name: claude-3-5-haiku-20241022     # needs ANTHROPIC_API_KEY
  - name: claude-sonnet-4-20250514
  # An OpenAI-compatible server you run yourself (vLLM, llama.cpp server, LM Studio, ...):
  # - name: my-llama
  #   provider: openai
  #   model: llama-3.1-8b-instruct        # the id the server expects
  #   api_base: ${MY_LLAMA_URL:-http://127.0.0.1:8080/v1}
  #   local: true                         # runs on your machines: may take confidential data
  #   context_window: 8192
  #   input_per_mtok: 0
  #   output_per_mtok: 0
  #   tier: 1

routing:
  # Rules are checked in order; the first whose `when` holds and that has a usable model fires.
  # `use` names models (first usable wins); `choose` picks among usable ones:
  # cheapest | fastest | longest_context | strongest | balanced, optionally narrowed by `among`.
  # Leave `rules` out to get the founding design's defaults (shown here).
  rules:
    - name: confidential-local
      when: {sensitivity: confidential}
      choose: cheapest
      among: {local: true}
    - name: simple-cheap
      when: {complexity: simple}
      choose: cheapest
      among: {local: false}
    - name: long-context
      when: {context_tokens_gt: 8000}
      choose: longest_context
    - name: complex-strong
      when: {complexity: complex}
      choose: strongest
      among: {local: false}
    - name: default-balanced
      choose: balanced
      among: {local: false}
  fallbacks: [gpt-4o, claude-sonnet-4-20250514, gpt-4o-mini, local/qwen2.5-coder-0.5b]
  retries: {max_retries: 2, backoff_s: 0.25, max_backoff_s: 8}
  health: {failure_threshold: 3, cooldown_s: 30}
  timeout_s: 120
  default_max_tokens: 1024
  cascade:
    enabled: false          # try the cheapest model first, escalate below the threshold
    threshold: 0.7
  retrieval:
    knowledge_base: null    # a JSONL file of {"question", "answer"} or {"text"} rows, or:
    store: null             # sqlite:///turnout-kb.db | postgresql://...  (fill it with `turnout kb add`)
    answer_threshold: 0.55  # a stored answer needs this score, a clear lead, coverage AND the checker's YES
    answer_margin: 0.05     # ... a lead of this much over the next entry (else both go as passages)
    coverage: true          # ... and every day, number, name and negation of the question in the entry
    checker: auto           # auto: a local model, else the cheapest allowed | none | a model name
    check_threshold: 0.5    # P(YES) the checker must give (docs/benchmarks.md)
    passage_threshold: 0.35 # passages at least this close go to the routed model

detection:
  pii: true                 # detect PII and secrets -> sensitivity
  complexity: true          # score the need for a strong model -> complexity
  custom_terms: []          # project code names, customer names: confidential
  allow_downgrade: false    # may a caller's label lower a detected sensitivity?
  redact: false             # redact findings before sending to cloud models
  binary: allow             # images/audio/files cannot be scanned: allow | local | refuse
  # names, places, dates: when types and context combine into a level. Omitted = the defaults:
  # a person with HEALTH, FINANCIAL, STREET_ADDRESS or DATE_TIME (a person-tied date) is
  # confidential; PRIVATE_CUE ("my name is", "send it to") is internal; places, organisations
  # and plain dates alone are public.
  # combinations:
  #   - {types: [PERSON, HEALTH], level: confidential}
  #   - {types: [PRIVATE_CUE], level: internal}
  public_figures: []        # names that are never a private person ("Ada Example")
  historical_context: true  # people named in a text about history count as public figures

strict: false               # true: refuse request parameters turnout does not know (400)
                            # false: forward them to OpenAI-compatible models as sent

budgets:
  daily_usd: null
  monthly_usd: null

cache:
  backend: memory           # memory | sqlite:///turnout-cache.db | redis://127.0.0.1:6379/0
  ttl_s: 86400
  semantic: false

ledger:
  # Default: turnout.db in the per-user data directory (or $TURNOUT_HOME; see `turnout doctor`).
  # url: postgresql://user@host/db   # for several gateways
  store_prompts: false      # true: keep prompts (redacted) for the request log in /ui

server:
  host: 127.0.0.1
  port: 4000
  master_key: ${TURNOUT_MASTER_KEY:-}
"""
