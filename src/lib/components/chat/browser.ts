/** Small browser helpers for the chat pages. */

/**
 * Copies text to the clipboard. The async Clipboard API only exists in secure contexts (https or
 * localhost); a self-hosted instance reached over plain http on a LAN address falls back to the
 * older selection-based copy.
 */
export async function copyText(text: string): Promise<boolean> {
	if (navigator.clipboard && window.isSecureContext) {
		try {
			await navigator.clipboard.writeText(text);
			return true;
		} catch {
			// Permission refused: try the fallback below.
		}
	}
	const area = document.createElement('textarea');
	area.value = text;
	area.setAttribute('readonly', '');
	area.style.position = 'fixed';
	area.style.opacity = '0';
	document.body.append(area);
	area.select();
	try {
		return document.execCommand('copy');
	} finally {
		area.remove();
	}
}

/** Offers text as a file download without leaving the page. */
export function downloadText(filename: string, mimeType: string, content: string): void {
	const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
	const link = document.createElement('a');
	link.href = url;
	link.download = filename;
	link.rel = 'noopener';
	document.body.append(link);
	link.click();
	link.remove();
	// Revoked on the next tick: the download has started by then.
	setTimeout(() => URL.revokeObjectURL(url), 0);
}
