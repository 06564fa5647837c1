-- The tables as created by Base.metadata.create_all on main at commit 501e347 (before Alembic), sqlite dialect.
-- Generated once from that commit's bot/models.py, bot/reminders/models.py and handlers/models.py
-- (git archive 501e347 | tar -x -C /tmp/old501, then CreateTable/CreateIndex of Base.metadata.sorted_tables).
-- Used by tests/test_migrations.py to build a pre-Alembic database and upgrade it.

CREATE TABLE channel_chats (
	channel VARCHAR(20) NOT NULL, 
	chat_id VARCHAR(100) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	first_seen DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	PRIMARY KEY (channel, chat_id)
);

CREATE TABLE channel_delivery_failures (
	id INTEGER NOT NULL, 
	channel VARCHAR(20) NOT NULL, 
	chat_id VARCHAR(100) NOT NULL, 
	error_code VARCHAR(40) NOT NULL, 
	error TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_channel_delivery_failures_chat_id ON channel_delivery_failures (chat_id);

CREATE TABLE channel_feedback (
	id INTEGER NOT NULL, 
	channel VARCHAR(20) NOT NULL, 
	chat_id VARCHAR(100) NOT NULL, 
	query_id INTEGER, 
	question TEXT NOT NULL, 
	rating INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_feedback_once UNIQUE (channel, chat_id, query_id)
);

CREATE INDEX ix_channel_feedback_chat_id ON channel_feedback (chat_id);

CREATE INDEX ix_channel_feedback_query_id ON channel_feedback (query_id);

CREATE TABLE channel_processed (
	channel VARCHAR(20) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (channel, "key")
);

CREATE INDEX ix_channel_processed_created_at ON channel_processed (created_at);

CREATE TABLE channel_queries (
	id INTEGER NOT NULL, 
	channel VARCHAR(20) NOT NULL, 
	chat_id VARCHAR(100) NOT NULL, 
	question TEXT NOT NULL, 
	answered BOOLEAN NOT NULL, 
	intent VARCHAR(40) NOT NULL, 
	elapsed_ms FLOAT NOT NULL, 
	top_source VARCHAR(200), 
	suggestions JSON NOT NULL, 
	deadline_ids JSON NOT NULL, 
	error VARCHAR(200), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_channel_queries_channel ON channel_queries (channel);

CREATE INDEX ix_channel_queries_chat_id ON channel_queries (chat_id);

CREATE INDEX ix_channel_queries_created_at ON channel_queries (created_at);

CREATE TABLE documents (
	id VARCHAR(200) NOT NULL, 
	file_name VARCHAR(400) NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	doc_type VARCHAR(40), 
	number VARCHAR(80), 
	issuer VARCHAR(300), 
	place VARCHAR(120), 
	date DATE, 
	date_text VARCHAR(120), 
	year INTEGER, 
	subject TEXT, 
	recipients JSON NOT NULL, 
	receivers JSON NOT NULL, 
	signer VARCHAR(200), 
	signer_title VARCHAR(200), 
	province VARCHAR(80), 
	indexed_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE reminder_subscriptions (
	id INTEGER NOT NULL, 
	channel VARCHAR(20) NOT NULL, 
	chat_id VARCHAR(120) NOT NULL, 
	province VARCHAR(80), 
	agency VARCHAR(300), 
	deadline_id VARCHAR(40), 
	scope_key VARCHAR(500) NOT NULL, 
	lead_days JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_reminder_subscription UNIQUE (channel, chat_id, scope_key)
);

CREATE TABLE zalo_tokens (
	id INTEGER NOT NULL, 
	access_token TEXT NOT NULL, 
	refresh_token TEXT NOT NULL, 
	expires_at DATETIME, 
	seed VARCHAR(64) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE chunks (
	id INTEGER NOT NULL, 
	document_id VARCHAR(200) NOT NULL, 
	ordinal INTEGER NOT NULL, 
	section_path TEXT NOT NULL, 
	headings JSON NOT NULL, 
	text TEXT NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE
);

CREATE INDEX ix_chunks_document_id ON chunks (document_id);

CREATE TABLE reminders (
	id INTEGER NOT NULL, 
	subscription_id INTEGER NOT NULL, 
	channel VARCHAR(20) NOT NULL, 
	chat_id VARCHAR(120) NOT NULL, 
	deadline_id VARCHAR(40) NOT NULL, 
	due_date DATE NOT NULL, 
	lead_days INTEGER NOT NULL, 
	send_at DATETIME NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	status VARCHAR(12) NOT NULL, 
	attempts INTEGER NOT NULL, 
	claim_token VARCHAR(64), 
	claimed_at DATETIME, 
	sent_at DATETIME, 
	late BOOLEAN NOT NULL, 
	last_error TEXT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_reminder UNIQUE (subscription_id, deadline_id, due_date, lead_days), 
	FOREIGN KEY(subscription_id) REFERENCES reminder_subscriptions (id) ON DELETE CASCADE
);

CREATE INDEX ix_reminders_chat ON reminders (channel, chat_id);

CREATE INDEX ix_reminders_due ON reminders (status, next_attempt_at);

CREATE INDEX ix_reminders_subscription_id ON reminders (subscription_id);

CREATE TABLE cited_documents (
	id INTEGER NOT NULL, 
	doc_type VARCHAR(40) NOT NULL, 
	number VARCHAR(80) NOT NULL, 
	date DATE, 
	issuer VARCHAR(300), 
	about TEXT, 
	document_id VARCHAR(200) NOT NULL, 
	chunk_id INTEGER, 
	section_path TEXT NOT NULL, 
	quote TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	FOREIGN KEY(chunk_id) REFERENCES chunks (id) ON DELETE CASCADE
);

CREATE INDEX ix_cited_documents_document_id ON cited_documents (document_id);

CREATE TABLE contacts (
	id INTEGER NOT NULL, 
	name VARCHAR(200), 
	role TEXT, 
	phone VARCHAR(40), 
	email VARCHAR(200), 
	organization VARCHAR(300), 
	document_id VARCHAR(200) NOT NULL, 
	chunk_id INTEGER, 
	section_path TEXT NOT NULL, 
	quote TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	FOREIGN KEY(chunk_id) REFERENCES chunks (id) ON DELETE CASCADE
);

CREATE INDEX ix_contacts_document_id ON contacts (document_id);

CREATE TABLE deadlines (
	id VARCHAR(40) NOT NULL, 
	actors JSON NOT NULL, 
	actor_text TEXT NOT NULL, 
	action VARCHAR(60) NOT NULL, 
	what TEXT NOT NULL, 
	recipient VARCHAR(300), 
	due_day INTEGER, 
	due_month INTEGER, 
	due_year INTEGER, 
	recurrence VARCHAR(20) NOT NULL, 
	due_text VARCHAR(200) NOT NULL, 
	period VARCHAR(60), 
	interpretation VARCHAR(200), 
	province VARCHAR(80), 
	document_id VARCHAR(200) NOT NULL, 
	chunk_id INTEGER, 
	section_path TEXT NOT NULL, 
	quote TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	FOREIGN KEY(chunk_id) REFERENCES chunks (id) ON DELETE CASCADE
);

CREATE INDEX ix_deadlines_document_id ON deadlines (document_id);

CREATE TABLE responsibilities (
	id INTEGER NOT NULL, 
	agency VARCHAR(300) NOT NULL, 
	agency_text VARCHAR(400) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	task TEXT NOT NULL, 
	province VARCHAR(80), 
	document_id VARCHAR(200) NOT NULL, 
	chunk_id INTEGER, 
	section_path TEXT NOT NULL, 
	quote TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	FOREIGN KEY(chunk_id) REFERENCES chunks (id) ON DELETE CASCADE
);

CREATE INDEX ix_responsibilities_document_id ON responsibilities (document_id);

CREATE TABLE targets (
	id INTEGER NOT NULL, 
	indicator TEXT NOT NULL, 
	value FLOAT, 
	unit VARCHAR(20) NOT NULL, 
	year INTEGER, 
	scope TEXT NOT NULL, 
	province VARCHAR(80), 
	document_id VARCHAR(200) NOT NULL, 
	chunk_id INTEGER, 
	section_path TEXT NOT NULL, 
	quote TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	FOREIGN KEY(chunk_id) REFERENCES chunks (id) ON DELETE CASCADE
);

CREATE INDEX ix_targets_document_id ON targets (document_id);

