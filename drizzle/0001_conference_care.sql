CREATE TABLE "doc_quarantine" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"conference_id" text NOT NULL,
	"document_name" text NOT NULL,
	"source" text NOT NULL,
	"source_id" bigint NOT NULL,
	"bytes" "bytea" NOT NULL,
	"stored_at" timestamp with time zone NOT NULL,
	"quarantined_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reason" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conferences" ADD COLUMN "retention_days" integer;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "sent_away_by" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "sent_away_with" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "removal_requested_by" text;--> statement-breakpoint
ALTER TABLE "doc_quarantine" ADD CONSTRAINT "doc_quarantine_conference_id_conferences_id_fk" FOREIGN KEY ("conference_id") REFERENCES "public"."conferences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "doc_quarantine_doc_idx" ON "doc_quarantine" USING btree ("conference_id","document_name");