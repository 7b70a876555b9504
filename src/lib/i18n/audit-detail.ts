import type { MessageKey, Translate } from './catalogue';

/**
 * The detail of a log entry in the reader's language. The log stores fixed values ("need_more_time",
 * "family", "version 1, sha256 …", "information → private"); a family must never read them raw.
 * Names (who was let in, confirmed, removed) are shown as they are. Shared by the board's log and
 * the family's data download.
 */
export function auditDetail(t: Translate, action: string, detail: string): string {
	if (!detail) return '';
	switch (action) {
		case 'phase.changed':
			return detail
				.split(' → ')
				.map((phase) => t(`phase.${phase}` as MessageKey))
				.join(' → ');
		case 'invite.created':
			return detail === 'family' || detail === 'professional' ? t(`role.${detail}`) : '';
		case 'knock.answered':
			return detail === 'coming' ? t('knock.coming') : detail === 'need_more_time' ? t('knock.later') : '';
		case 'retention.changed': {
			const [before, after] = detail.split(' → ');
			return t('audit.detail.retention', { before, after });
		}
		case 'connection.revoked':
			return t('audit.detail.connections', { n: detail });
		case 'plan.accepted': {
			const [, version, hash] = /^version (\d+), sha256 ([0-9a-f]+)$/.exec(detail) ?? [];
			return version ? t('audit.detail.accepted', { n: version, fingerprint: hash }) : '';
		}
		case 'plan.exported': {
			const [, how, version] = /^(?:(print|pdf), )?version (\d+)$/.exec(detail) ?? [];
			if (!version) return '';
			return t(
				how === 'print' ? 'audit.detail.printed' : how === 'pdf' ? 'audit.detail.pdf' : 'audit.detail.download',
				{
					n: version
				}
			);
		}
		default:
			return detail;
	}
}
