CREATE TABLE "agreement_ticks" (
	"conference_id" text NOT NULL,
	"version" integer NOT NULL,
	"agreement_id" text NOT NULL,
	"state" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"by_name" text NOT NULL,
	"by_role" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agreement_ticks_conference_id_version_agreement_id_pk" PRIMARY KEY("conference_id","version","agreement_id")
);
--> statement-breakpoint
CREATE TABLE "plan_links" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"conference_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "plan_links_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "conferences" ADD COLUMN "follows_conference_id" text;--> statement-breakpoint
ALTER TABLE "conferences" ADD COLUMN "evaluation_on" text;--> statement-breakpoint
ALTER TABLE "conferences" ADD COLUMN "demo" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "demo" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agreement_ticks" ADD CONSTRAINT "agreement_ticks_conference_id_conferences_id_fk" FOREIGN KEY ("conference_id") REFERENCES "public"."conferences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_links" ADD CONSTRAINT "plan_links_conference_id_conferences_id_fk" FOREIGN KEY ("conference_id") REFERENCES "public"."conferences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_links" ADD CONSTRAINT "plan_links_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "plan_links_participant_idx" ON "plan_links" USING btree ("participant_id");