ALTER TABLE "participants" ADD COLUMN "sent_away_by" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "sent_away_with" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "removal_requested_by" text;