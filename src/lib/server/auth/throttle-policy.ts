import { env } from '../env';
import { DEFAULT_THROTTLE_POLICY, type ThrottlePolicy } from './throttle.service';

/** The throttle policy with the deployment's sign-up cap (AUTH_SIGNUPS_PER_IP_PER_HOUR). */
export function authThrottlePolicy(): ThrottlePolicy {
	return { ...DEFAULT_THROTTLE_POLICY, signUpsPerIpPerHour: env().AUTH_SIGNUPS_PER_IP_PER_HOUR };
}
