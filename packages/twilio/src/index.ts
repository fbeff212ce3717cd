export { createTwilioClient, twilioFromConfig } from './client.js';
export type { TwilioSettings, TwilioProviders, TwilioEnvironment } from './client.js';
export { EmulatorRequestClient } from './request-client.js';
export {
  TwilioProviderError,
  TwilioErrorCode,
  twilioFailureKinds,
  failureKindOf,
  type TwilioFailure,
  type TwilioFailureKind,
} from './errors.js';
export { withRetries, backoffDelay, type RetryPlan } from './retry.js';
export { TwilioVerifyOtpProvider, OTP_STATUSES } from './otp.js';
export type {
  OtpProvider,
  OtpVerification,
  OtpOutcome,
  SendOutcome,
  CheckOutcome,
  FetchOutcome,
  EndOutcome,
  ConversionOutcome,
  OtpChannel,
  OtpStatus,
  VerificationChannel,
  SendOtp,
  CheckOtp,
} from './otp.js';
export { TwilioLookupProvider } from './lookup.js';
export type {
  LookupProvider,
  LookupResult,
  LookupOptions,
  LookupField,
  LookupValidationError,
  IdentityClaim,
  IdentityMatch,
  MatchLevel,
  SmsPumpingRisk,
  LineTypeIntelligence,
  LineType,
  CallerName,
  CallerType,
  CarrierRiskCategory,
} from './lookup.js';
