CREATE TABLE "acceptances" (
	"conference_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"conditions" text DEFAULT '' NOT NULL,
	"accepted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "acceptances_conference_id_participant_id_pk" PRIMARY KEY("conference_id","participant_id")
);
--> statement-breakpoint
CREATE TABLE "card_questions" (
	"id" text PRIMARY KEY NOT NULL,
	"conference_id" text NOT NULL,
	"agreement_id" text NOT NULL,
	"asked_by" text NOT NULL,
	"reason" text NOT NULL,
	"asked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "conferences" ADD COLUMN "not_yet_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "acceptances" ADD CONSTRAINT "acceptances_conference_id_conferences_id_fk" FOREIGN KEY ("conference_id") REFERENCES "public"."conferences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acceptances" ADD CONSTRAINT "acceptances_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "card_questions" ADD CONSTRAINT "card_questions_conference_id_conferences_id_fk" FOREIGN KEY ("conference_id") REFERENCES "public"."conferences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "card_questions" ADD CONSTRAINT "card_questions_asked_by_participants_id_fk" FOREIGN KEY ("asked_by") REFERENCES "public"."participants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "card_questions_conference_idx" ON "card_questions" USING btree ("conference_id");