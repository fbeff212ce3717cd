/** The channels a code can be sent over, as the API names them. */
export const phoneChannels = ['SMS', 'CALL', 'WHATSAPP'] as const;
export type PhoneChannel = (typeof phoneChannels)[number];

export function isPhoneChannel(value: unknown): value is PhoneChannel {
  return typeof value === 'string' && (phoneChannels as readonly string[]).includes(value);
}

/** Twilio Verify's name for each channel. */
export const providerChannel = {
  SMS: 'sms',
  CALL: 'call',
  WHATSAPP: 'whatsapp',
} as const satisfies Record<PhoneChannel, string>;

/** Verify codes are 4 to 10 digits; anything else cannot be right, so Twilio is not asked. */
const CODE = /^[0-9]{4,10}$/;

export function isCodeWellFormed(code: string): boolean {
  return CODE.test(code);
}

/**
 * The shape of the locales Verify translates messages into (`en`, `pt-BR`, `zh-HK`): a two-letter
 * language, optionally a region or script. Whether Twilio has that translation is Twilio's answer.
 */
const LOCALE = /^[a-z]{2}(-[A-Za-z]{2,4})?$/;

export function isLocaleWellFormed(locale: string): boolean {
  return LOCALE.test(locale);
}
