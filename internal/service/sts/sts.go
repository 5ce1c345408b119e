package sts

import (
	"context"

	"gatehouse/internal/api"
)

// Version is the STS API version, and XMLNS its response namespace.
const (
	Version = "2011-06-15"
	XMLNS   = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// Service implements the STS operations.
type Service struct{}

// New returns the STS service.
func New() *Service { return &Service{} }

// Ops is the operation table.
func (s *Service) Ops() api.Table {
	return api.NewTable(
		api.Handle("GetCallerIdentity", s.GetCallerIdentity),
	)
}

type GetCallerIdentityInput struct{}

type GetCallerIdentityOutput struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

// GetCallerIdentity names the account the call was made in, and its root
// user as the caller: the identity of an account's own access keys.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *GetCallerIdentityInput) (*GetCallerIdentityOutput, error) {
	account := api.MetaFrom(ctx).Account
	return &GetCallerIdentityOutput{
		UserID:  account,
		Account: account,
		Arn:     "arn:aws:iam::" + account + ":root",
	}, nil
}
