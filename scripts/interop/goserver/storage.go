package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// accessTokenLifetime is the lifetime of the access tokens the server
// issues.
const accessTokenLifetime = 10 * time.Minute

// errNotOffered answers the op.Storage methods of the flows this peer does
// not serve (authorization code, refresh, sessions): the token endpoint
// under test never reaches them.
var errNotOffered = errors.New("not offered by this peer")

// storage is the in-memory op.Storage (plus op.ClientCredentialsStorage) of
// the peer: registered grant issuers and secret clients. It decides only
// what the library asks its storage: which key has a kid for an issuer,
// whether a client secret is right, which scopes are granted, and the id
// and expiry of a token.
type storage struct {
	issuers  map[string]*GrantIssuer
	clients  map[string]*SecretClient
	signing  *signingKey
	tokenSeq atomic.Uint64
}

var (
	_ op.Storage                  = (*storage)(nil)
	_ op.ClientCredentialsStorage = (*storage)(nil)
)

func newStorage(cfg *Config) (*storage, error) {
	s := &storage{issuers: map[string]*GrantIssuer{}, clients: map[string]*SecretClient{}}
	for i := range cfg.GrantIssuers {
		s.issuers[cfg.GrantIssuers[i].Issuer] = &cfg.GrantIssuers[i]
	}
	for i := range cfg.SecretClients {
		s.clients[cfg.SecretClients[i].ClientID] = &cfg.SecretClients[i]
	}
	// The OP's own signing key (discovery's jwks_uri; access tokens here
	// are opaque, so nothing is signed with it in the lane).
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("OP signing key: %w", err)
	}
	s.signing = &signingKey{id: "op-rs256", key: k}
	return s, nil
}

// GetKeyByIDAndClientID is op.JWTProfileKeyStorage: the public key with
// keyID registered for the grant issuer clientID (the assertion's iss). As
// in the library's example storage, the key is found by its kid.
func (s *storage) GetKeyByIDAndClientID(_ context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	gi, ok := s.issuers[clientID]
	if !ok {
		return nil, fmt.Errorf("issuer %q not registered", clientID)
	}
	k, ok := gi.keys[keyID]
	if !ok {
		return nil, fmt.Errorf("issuer %q has no key %q", clientID, keyID)
	}
	return k, nil
}

// ValidateJWTProfileScopes grants the grant's requested scopes.
func (s *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

// CreateAccessToken records nothing: the lane never presents the token
// again. It returns a fresh id and the expiry.
func (s *storage) CreateAccessToken(_ context.Context, _ op.TokenRequest) (string, time.Time, error) {
	return "at-" + strconv.FormatUint(s.tokenSeq.Add(1), 10), time.Now().Add(accessTokenLifetime), nil
}

// ClientCredentials is op.ClientCredentialsStorage: a secret client whose
// secret matches.
func (s *storage) ClientCredentials(_ context.Context, clientID, clientSecret string) (op.Client, error) {
	c, ok := s.clients[clientID]
	if !ok || subtle.ConstantTimeCompare([]byte(c.secret), []byte(clientSecret)) != 1 {
		return nil, errors.New("unknown client or wrong secret")
	}
	return secretClient{id: clientID}, nil
}

// ClientCredentialsTokenRequest is the token request of a client_credentials
// grant, shaped as in the library's example storage.
func (s *storage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	if _, ok := s.clients[clientID]; !ok {
		return nil, errors.New("unknown client")
	}
	return &oidc.JWTTokenRequest{Subject: clientID, Audience: []string{clientID}, Scopes: scopes}, nil
}

// GetClientByClientID serves the secret clients (the library asks for them
// on endpoints other than client_credentials).
func (s *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	if _, ok := s.clients[clientID]; !ok {
		return nil, errors.New("client not found")
	}
	return secretClient{id: clientID}, nil
}

// AuthorizeClientIDSecret checks a secret client's secret.
func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, clientSecret string) error {
	_, err := s.ClientCredentials(ctx, clientID, clientSecret)
	return err
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.signing, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.signing}}, nil
}

func (s *storage) Health(context.Context) error { return nil }

// The flows below are not served by this peer.

func (s *storage) CreateAuthRequest(context.Context, *oidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, errNotOffered
}
func (s *storage) AuthRequestByID(context.Context, string) (op.AuthRequest, error) {
	return nil, errNotOffered
}
func (s *storage) AuthRequestByCode(context.Context, string) (op.AuthRequest, error) {
	return nil, errNotOffered
}
func (s *storage) SaveAuthCode(context.Context, string, string) error { return errNotOffered }
func (s *storage) DeleteAuthRequest(context.Context, string) error    { return errNotOffered }
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNotOffered
}
func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errNotOffered
}
func (s *storage) TerminateSession(context.Context, string, string) error { return errNotOffered }
func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrInvalidRequest().WithDescription("revocation not offered by this peer")
}
func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}
func (s *storage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errNotOffered
}
func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotOffered
}
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// signingKey is the OP's RS256 key (op.SigningKey).
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is the public half of the signing key (op.Key).
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }

// secretClient is a client_credentials client authenticated by secret
// (op.Client).
type secretClient struct{ id string }

func (c secretClient) GetID() string                       { return c.id }
func (c secretClient) RedirectURIs() []string              { return nil }
func (c secretClient) PostLogoutRedirectURIs() []string    { return nil }
func (c secretClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c secretClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c secretClient) ResponseTypes() []oidc.ResponseType  { return nil }
func (c secretClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}
func (c secretClient) LoginURL(string) string               { return "" }
func (c secretClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c secretClient) IDTokenLifetime() time.Duration       { return time.Hour }
func (c secretClient) DevMode() bool                        { return false }
func (c secretClient) IsScopeAllowed(string) bool           { return true }
func (c secretClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c secretClient) ClockSkew() time.Duration             { return 0 }
func (c secretClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c secretClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
