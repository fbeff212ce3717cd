/**
 * Every string the hosted verification flow shows, in every language it speaks: one file, so a
 * translator works in one place and a missing translation is a type error. `{name}` is replaced by
 * the value of the same name; keys ending in `.one` / `.other` are chosen by plural rules.
 */
export const languages = ['en', 'es'] as const;
export type Language = (typeof languages)[number];

const en = {
  'app.name': 'Attestor',
  'language.label': 'Language',
  loading: 'Loading…',

  'phone.title': 'Verify your phone number',
  'phone.intro': 'We will send you a code to confirm that this number is yours.',
  'phone.country': 'Country',
  'phone.number': 'Phone number',
  'phone.example': 'For example {example}',
  'phone.send': 'Send code',
  'phone.sending': 'Sending…',
  'phone.invalid': 'That does not look like a complete number for {country}. Check it and try again.',
  'phone.callOffered': 'We cannot send a text message to this number, but we can call you with the code.',
  'phone.callMe': 'Call me with the code',

  'challenge.title': 'Checking you are a person',
  'challenge.intro':
    'Before we send a code to {number}, your browser solves a small puzzle. This takes a few seconds and needs nothing from you.',
  'challenge.progress': 'Puzzle progress',
  'challenge.checking': 'Checking you are a person…',
  'challenge.sending': 'Done. Sending your code…',
  'challenge.unsolvable': 'Your browser could not solve the puzzle.',
  'challenge.refused': 'That puzzle is no longer valid.',
  'challenge.missing': 'We need your browser to solve a new puzzle before we send a code.',
  'challenge.again': 'Try again',

  'code.title': 'Enter your code',
  'code.sentSms': 'We sent a text message with a {length}-digit code to {number}.',
  'code.sentCall': 'We are calling {number} to read you a {length}-digit code.',
  'code.legend': '{length}-digit code',
  'code.digit': 'Digit {position} of {length}',
  'code.verify': 'Verify',
  'code.checking': 'Checking…',
  'code.incomplete': 'Enter all {length} digits of the code.',
  'code.wrong.one': 'That code is not right. You have 1 attempt left.',
  'code.wrong.other': 'That code is not right. You have {count} attempts left.',
  'code.clear': 'Clear',
  'code.wait': 'Did not get it? You can ask again in {seconds} s.',
  'code.resend': 'Send a new code',
  'code.call': 'Call me instead',
  'code.resent': 'We sent you a new code.',
  'code.calling': 'We are calling you now.',
  'code.otherNumber': 'Use a different number',

  'outcome.blocked.title': 'We cannot send a code to this number',
  'outcome.blocked.body':
    'To keep your account safe, this number cannot be used here. Please contact the company that sent you this link.',
  'outcome.attempts.title': 'Too many attempts',
  'outcome.attempts.body':
    'The code was entered wrongly too many times, so we stopped this verification to protect you. Please contact the company that sent you this link to start again.',
  'outcome.codeExpired.title': 'Your code has expired',
  'outcome.codeExpired.body':
    'Codes are only valid for a few minutes. Please contact the company that sent you this link to start again.',
  'outcome.failed.title': 'We could not finish your verification',
  'outcome.failed.body': 'Please contact the company that sent you this link.',
  'outcome.expired.title': 'This link has expired',
  'outcome.expired.body':
    'Verification links only work for a limited time. Please ask the company that sent it for a new one.',
  'outcome.noLink.title': 'This link is incomplete',
  'outcome.noLink.body':
    'Please open the whole link you received again, or ask the company that sent it for a new one.',
  'outcome.notFound.title': 'We could not find this verification',
  'outcome.finishing.title': 'Your phone number is verified',
  'outcome.finishing.body': 'We are finishing your verification. This takes a few seconds.',
  'outcome.done.title': 'All done',
  'outcome.done.body': 'Thank you, your verification is complete. You can close this page now.',
  'outcome.done.continueBody': 'Thank you, your verification is complete.',
  'outcome.done.continue': 'Continue',

  'error.provider': 'We could not reach our messaging service just now. Please try again in a moment.',
  'error.rateLimited': 'Too many requests. Please wait {seconds} s and try again.',
  'error.network': 'We could not connect. Check your connection and try again.',
  'error.unavailable': 'Our service is briefly unavailable. Please try again in a moment.',
  'error.unknown': 'Something went wrong. Please try again.',
} as const;

export type MessageKey = keyof typeof en;

const es: Record<MessageKey, string> = {
  'app.name': 'Attestor',
  'language.label': 'Idioma',
  loading: 'Cargando…',

  'phone.title': 'Verifica tu número de teléfono',
  'phone.intro': 'Te enviaremos un código para confirmar que este número es tuyo.',
  'phone.country': 'País',
  'phone.number': 'Número de teléfono',
  'phone.example': 'Por ejemplo {example}',
  'phone.send': 'Enviar código',
  'phone.sending': 'Enviando…',
  'phone.invalid': 'No parece un número completo de {country}. Revísalo e inténtalo de nuevo.',
  'phone.callOffered': 'No podemos enviar un SMS a este número, pero podemos llamarte para darte el código.',
  'phone.callMe': 'Llámame con el código',

  'challenge.title': 'Comprobando que eres una persona',
  'challenge.intro':
    'Antes de enviar un código al {number}, tu navegador resuelve un pequeño acertijo. Tarda unos segundos y no tienes que hacer nada.',
  'challenge.progress': 'Progreso del acertijo',
  'challenge.checking': 'Comprobando que eres una persona…',
  'challenge.sending': 'Listo. Enviando tu código…',
  'challenge.unsolvable': 'Tu navegador no ha podido resolver el acertijo.',
  'challenge.refused': 'Ese acertijo ya no es válido.',
  'challenge.missing': 'Tu navegador tiene que resolver un acertijo nuevo antes de que enviemos un código.',
  'challenge.again': 'Intentar de nuevo',

  'code.title': 'Introduce tu código',
  'code.sentSms': 'Hemos enviado un SMS con un código de {length} dígitos al {number}.',
  'code.sentCall': 'Te estamos llamando al {number} para dictarte un código de {length} dígitos.',
  'code.legend': 'Código de {length} dígitos',
  'code.digit': 'Dígito {position} de {length}',
  'code.verify': 'Verificar',
  'code.checking': 'Comprobando…',
  'code.incomplete': 'Introduce los {length} dígitos del código.',
  'code.wrong.one': 'Ese código no es correcto. Te queda 1 intento.',
  'code.wrong.other': 'Ese código no es correcto. Te quedan {count} intentos.',
  'code.clear': 'Borrar',
  'code.wait': '¿No te ha llegado? Podrás pedir otro en {seconds} s.',
  'code.resend': 'Enviar un código nuevo',
  'code.call': 'Prefiero una llamada',
  'code.resent': 'Te hemos enviado un código nuevo.',
  'code.calling': 'Te estamos llamando.',
  'code.otherNumber': 'Usar otro número',

  'outcome.blocked.title': 'No podemos enviar un código a este número',
  'outcome.blocked.body':
    'Para proteger tu cuenta, este número no se puede usar aquí. Ponte en contacto con la empresa que te envió este enlace.',
  'outcome.attempts.title': 'Demasiados intentos',
  'outcome.attempts.body':
    'El código se introdujo mal demasiadas veces, así que hemos detenido esta verificación para protegerte. Ponte en contacto con la empresa que te envió este enlace para empezar de nuevo.',
  'outcome.codeExpired.title': 'Tu código ha caducado',
  'outcome.codeExpired.body':
    'Los códigos solo son válidos unos minutos. Ponte en contacto con la empresa que te envió este enlace para empezar de nuevo.',
  'outcome.failed.title': 'No hemos podido terminar tu verificación',
  'outcome.failed.body': 'Ponte en contacto con la empresa que te envió este enlace.',
  'outcome.expired.title': 'Este enlace ha caducado',
  'outcome.expired.body':
    'Los enlaces de verificación solo funcionan durante un tiempo. Pide uno nuevo a la empresa que te lo envió.',
  'outcome.noLink.title': 'Este enlace está incompleto',
  'outcome.noLink.body':
    'Vuelve a abrir el enlace completo que recibiste o pide uno nuevo a la empresa que te lo envió.',
  'outcome.notFound.title': 'No encontramos esta verificación',
  'outcome.finishing.title': 'Tu número de teléfono está verificado',
  'outcome.finishing.body': 'Estamos terminando tu verificación. Tardará unos segundos.',
  'outcome.done.title': 'Listo',
  'outcome.done.body': 'Gracias, tu verificación ha terminado. Ya puedes cerrar esta página.',
  'outcome.done.continueBody': 'Gracias, tu verificación ha terminado.',
  'outcome.done.continue': 'Continuar',

  'error.provider':
    'Ahora mismo no podemos contactar con nuestro servicio de mensajes. Inténtalo de nuevo en un momento.',
  'error.rateLimited': 'Demasiadas solicitudes. Espera {seconds} s e inténtalo de nuevo.',
  'error.network': 'No hemos podido conectar. Revisa tu conexión e inténtalo de nuevo.',
  'error.unavailable': 'Nuestro servicio no está disponible ahora mismo. Inténtalo de nuevo en un momento.',
  'error.unknown': 'Algo ha fallado. Inténtalo de nuevo.',
};

export const messages: Record<Language, Record<MessageKey, string>> = { en, es };

/** The names each language calls itself, for the language picker. */
export const languageNames: Record<Language, string> = { en: 'English', es: 'Español' };

/** The first of the browser's preferred languages that we speak, else English. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    const match = languages.find((language) => language === base);
    if (match) return match;
  }
  return 'en';
}

export type Vars = Record<string, string | number>;

/** `key` in `language` with `{name}` placeholders filled in. */
export function translate(language: Language, key: MessageKey, vars: Vars = {}): string {
  return messages[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** The `.one` / `.other` form of `base` for `count` under `language`'s plural rules. */
export function translatePlural(
  language: Language,
  base: 'code.wrong',
  count: number,
  vars: Vars = {},
): string {
  const form = new Intl.PluralRules(language).select(count) === 'one' ? 'one' : 'other';
  return translate(language, `${base}.${form}`, { ...vars, count });
}
