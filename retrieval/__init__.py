"""Manual ingestion, chunking, embeddings, FAISS + lexical indexes and hybrid search with
citations. Framework-free: no Rasa or FastAPI imports."""
