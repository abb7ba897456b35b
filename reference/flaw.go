package reference

import "github.com/jwtharness/jwtharness/reference/flaws"

// Flaw is flaws.Flaw, kept so that code naming reference.Flaw builds; new
// code names flaws from package flaws, which does not import the server.
type Flaw = flaws.Flaw

// FlawInfo is flaws.Info: the rule a flaw breaks and how.
type FlawInfo = flaws.Info

// The flaws under their historical names (see package flaws).
const (
	FlawAudIgnored             = flaws.AudIgnored
	FlawAudPrefixMatch         = flaws.AudPrefixMatch
	FlawAudNormalized          = flaws.AudNormalized
	FlawAudNonStringOK         = flaws.AudNonStringOK
	FlawAudBisTokenURLOK       = flaws.AudBisTokenURLOK
	FlawAudIssuerRejected      = flaws.AudIssuerRejected
	FlawExpIgnored             = flaws.ExpIgnored
	FlawExpNotRequired         = flaws.ExpNotRequired
	FlawExpUnbounded           = flaws.ExpUnbounded
	FlawExpNoLeeway            = flaws.ExpNoLeeway
	FlawExpEqualsNowOK         = flaws.ExpEqualsNowOK
	FlawLeewayUnbounded        = flaws.LeewayUnbounded
	FlawNumericDateLenient     = flaws.NumericDateLenient
	FlawNumericDateDateTime    = flaws.NumericDateDateTime
	FlawNbfIgnored             = flaws.NbfIgnored
	FlawIatNotRequired         = flaws.IatNotRequired
	FlawIatFutureOK            = flaws.IatFutureOK
	FlawIatRequiredClient      = flaws.IatRequiredClient
	FlawFractionalDateBad      = flaws.FractionalDateBad
	FlawIssNotRequired         = flaws.IssNotRequired
	FlawIssCaseInsensitive     = flaws.IssCaseInsensitive
	FlawSubNotRequired         = flaws.SubNotRequired
	FlawSubNotClient           = flaws.SubNotClient
	FlawSubUnchecked           = flaws.SubUnchecked
	FlawJTIReplay              = flaws.JTIReplay
	FlawJTINotRequired         = flaws.JTINotRequired
	FlawJTIRacy                = flaws.JTIRacy
	FlawJTIKeyedByToken        = flaws.JTIKeyedByToken
	FlawJTIBurnedEarly         = flaws.JTIBurnedEarly
	FlawJTIWindowShort         = flaws.JTIWindowShort
	FlawIatPast500             = flaws.IatPast500
	FlawSigNotVerified         = flaws.SigNotVerified
	FlawAlgNoneAccepted        = flaws.AlgNoneAccepted
	FlawAlgHSPublicKey         = flaws.AlgHSPublicKey
	FlawAlgNotPinned           = flaws.AlgNotPinned
	FlawAnyRegisteredCert      = flaws.AnyRegisteredCert
	FlawEmbeddedJWKTrusted     = flaws.EmbeddedJWKTrusted
	FlawX5CTrusted             = flaws.X5CTrusted
	FlawJKUFetched             = flaws.JKUFetched
	FlawCertExpiryIgnored      = flaws.CertExpiryIgnored
	FlawCritIgnored            = flaws.CritIgnored
	FlawECDSADERAccepted       = flaws.ECDSADERAccepted
	FlawHMACNotForClient       = flaws.HMACNotForClient
	FlawUnregisteredKidOK      = flaws.UnregisteredKidOK
	FlawLenientBase64          = flaws.LenientBase64
	FlawJSONSerialization      = flaws.JSONSerialization
	FlawDuplicateFirstWins     = flaws.DuplicateFirstWins
	FlawNoSizeLimit            = flaws.NoSizeLimit
	FlawGETAccepted            = flaws.GETAccepted
	FlawQueryParamsAccepted    = flaws.QueryParamsAccepted
	FlawNonFormAccepted        = flaws.NonFormAccepted
	FlawRepeatedParamsOK       = flaws.RepeatedParamsOK
	FlawUnsupportedGrantCode   = flaws.UnsupportedGrantCode
	FlawAssertionTypeIgnored   = flaws.AssertionTypeIgnored
	FlawTwoAuthMethodsOK       = flaws.TwoAuthMethodsOK
	FlawClientIDMismatchOK     = flaws.ClientIDMismatchOK
	FlawGrantIgnoresClientAuth = flaws.GrantIgnoresClientAuth
	FlawUnknownParamRejected   = flaws.UnknownParamRejected
	FlawCharsetRejected        = flaws.CharsetRejected
	FlawDisabledClientOK       = flaws.DisabledClientOK
	FlawGrantNotPermittedOK    = flaws.GrantNotPermittedOK
	FlawEmptyParamNotOmitted   = flaws.EmptyParamNotOmitted
	FlawNoCacheHeaders         = flaws.NoCacheHeaders
	FlawWrongErrorCode         = flaws.WrongErrorCode
	FlawInvalidClient400       = flaws.InvalidClient400
	FlawErrorStatus200         = flaws.ErrorStatus200
	FlawServerErrorOnBad       = flaws.ServerErrorOnBad
	FlawExpiresInString        = flaws.ExpiresInString
	FlawTokenTypeMissing       = flaws.TokenTypeMissing
	FlawContentTypeText        = flaws.ContentTypeText
	FlawFormatIgnored          = flaws.FormatIgnored
	FlawErrorDescCRLF          = flaws.ErrorDescCRLF
	FlawTypIgnored             = flaws.TypIgnored
	FlawAlgSubset              = flaws.AlgSubset
	FlawExtraClaimsRejected    = flaws.ExtraClaimsRejected
	FlawClientIDRequired       = flaws.ClientIDRequired
	FlawScopeRequired          = flaws.ScopeRequired
	FlawAudArrayRejected       = flaws.AudArrayRejected
	FlawAudTokenEndpointReject = flaws.AudTokenEndpointReject
	FlawNbfNoLeeway            = flaws.NbfNoLeeway
	FlawMaxLifetimeShort       = flaws.MaxLifetimeShort
	FlawTypExplicitRejected    = flaws.TypExplicitRejected
	FlawParseFirstThree        = flaws.ParseFirstThree
	FlawAlgDefaulted           = flaws.AlgDefaulted
	FlawDupHeaderFirstWins     = flaws.DupHeaderFirstWins
	FlawUTF8Unchecked          = flaws.UTF8Unchecked
	FlawNestingUnbounded       = flaws.NestingUnbounded
	FlawClaimTypesCoerced      = flaws.ClaimTypesCoerced
	FlawClaimTypeBadRequest    = flaws.ClaimTypeBadRequest
	FlawClientIDOnlyAuth       = flaws.ClientIDOnlyAuth
	FlawContentTypeOptional    = flaws.ContentTypeOptional
	FlawGrantTypeDefaulted     = flaws.GrantTypeDefaulted
	FlawMethodNotChecked       = flaws.MethodNotChecked
	FlawFormatUnknown500       = flaws.FormatUnknown500
	FlawFirstCertOnly          = flaws.FirstCertOnly
	FlawIssUnknownDefault      = flaws.IssUnknownDefault
	FlawJWEPassthrough         = flaws.JWEPassthrough
	FlawAlgUnknownDefault      = flaws.AlgUnknownDefault
	FlawIssNumberStringified   = flaws.IssNumberStringified
	FlawAudPercentDecoded      = flaws.AudPercentDecoded
	FlawAudObjectFlattened     = flaws.AudObjectFlattened
	FlawAudSameHostAnyPath     = flaws.AudSameHostAnyPath
	FlawECDSANoRangeCheck      = flaws.ECDSANoRangeCheck
	FlawHMACAnyKeyLength       = flaws.HMACAnyKeyLength
)

// Flaws lists every flaw, sorted by name.
func Flaws() []FlawInfo { return flaws.All() }

// LookupFlaw returns the documentation of a flaw by name.
func LookupFlaw(name string) (FlawInfo, bool) { return flaws.Lookup(name) }
