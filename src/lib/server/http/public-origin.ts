/** What the deployment says about its public URL (the ORIGIN and PROTOCOL_HEADER settings). */
export interface PublicUrlSettings {
	origin?: string | undefined;
	protocolHeader?: string | undefined;
}

export interface PublicOrigin {
	/** The `Origin` a page of this site sends with its own posts; anything else is cross-site. */
	allowed: readonly string[];
	/** The public URL is https, so cookies must be Secure. */
	https: boolean;
}

/**
 * Where the browser thinks this site is. adapter-node builds `url` from ORIGIN when it is set,
 * from PROTOCOL_HEADER and the Host header behind a proxy, and otherwise from the Host header with
 * an assumed `https:`: in that case the scheme is a guess. Node itself serves plain http, so a
 * cookie marked Secure would never come back from http://localhost; yet an unconfigured TLS proxy
 * may be in front, so both schemes of the very host the request was sent to are our own.
 */
export function publicOrigin(url: URL, settings: PublicUrlSettings): PublicOrigin {
	if (settings.origin) {
		const origin = new URL(settings.origin);
		return { allowed: [origin.origin], https: origin.protocol === 'https:' };
	}
	if (settings.protocolHeader) return { allowed: [url.origin], https: url.protocol === 'https:' };
	return { allowed: [`http://${url.host}`, `https://${url.host}`], https: false };
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** What an HTML form can send without JavaScript, so what another site can make a browser post. */
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * A state-changing request another site made the browser send. Browsers always send `Origin` with
 * such requests; a form post without one is refused as SvelteKit does. Bearer-token calls carry no
 * ambient credentials, so they are not a cross-site risk.
 */
export function isCrossSite(request: Request, allowed: readonly string[]): boolean {
	if (!UNSAFE_METHODS.has(request.method) || request.headers.has('authorization')) return false;
	const origin = request.headers.get('origin');
	if (origin) return !allowed.includes(origin);
	const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
	return FORM_TYPES.includes(type);
}
