import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	kit: {
		adapter: adapter({ out: 'build', precompress: true }),
		csrf: { trustedOrigins: [] },
		alias: { $server: 'server' },
		// Every page's Content-Security-Policy. SvelteKit adds a fresh nonce to script-src for its own
		// start-up script, so a script that got into a page any other way (a name, a title, a plan
		// rendered with {@html}) does not run. Styles keep 'unsafe-inline': Svelte writes style
		// attributes and the editor injects its own <style>. connect-src 'self' covers the collab
		// socket (ws:/wss: on the same host). Responses that are not pages get hooks.server.ts's policy.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'frame-ancestors': ['none'],
				'base-uri': ['self'],
				'form-action': ['self']
			}
		}
	}
};

export default config;
