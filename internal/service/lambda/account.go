package lambda

import (
	"context"

	"gatehouse/internal/model"
)

// Lambda's default storage quotas.
const (
	totalCodeSize    = 80530636800
	codeSizeUnzipped = 262144000
	codeSizeZipped   = 52428800
)

// AccountLimit is what the account may use.
type AccountLimit struct {
	TotalCodeSize                  int64 `json:"TotalCodeSize"`
	CodeSizeUnzipped               int64 `json:"CodeSizeUnzipped"`
	CodeSizeZipped                 int64 `json:"CodeSizeZipped"`
	ConcurrentExecutions           int   `json:"ConcurrentExecutions"`
	UnreservedConcurrentExecutions int   `json:"UnreservedConcurrentExecutions"`
}

// AccountUsage is what the account uses.
type AccountUsage struct {
	TotalCodeSize int64 `json:"TotalCodeSize"`
	FunctionCount int   `json:"FunctionCount"`
}

// GetAccountSettingsOutput is GetAccountSettings' answer.
type GetAccountSettingsOutput struct {
	AccountLimit AccountLimit `json:"AccountLimit"`
	AccountUsage AccountUsage `json:"AccountUsage"`
}

// GetAccountSettingsInput has no members.
type GetAccountSettingsInput struct{}

// GetAccountSettings reports the account's quotas, and its functions and
// the code they hold (every version's package counted, as on Lambda).
func (s *Service) GetAccountSettings(ctx context.Context, _ *GetAccountSettingsInput) (*GetAccountSettingsOutput, error) {
	limit, _ := s.concurrency()
	out := &GetAccountSettingsOutput{AccountLimit: AccountLimit{TotalCodeSize: totalCodeSize,
		CodeSizeUnzipped: codeSizeUnzipped, CodeSizeZipped: codeSizeZipped, ConcurrentExecutions: limit}}
	err := s.view(ctx, func(tx model.Tx) error {
		fns, err := model.List[model.Function](tx)
		if err != nil {
			return err
		}
		versions, err := model.List[model.FunctionVersion](tx)
		if err != nil {
			return err
		}
		reserved := 0
		for _, f := range fns {
			out.AccountUsage.TotalCodeSize += f.Config.CodeSize
			if f.ReservedConcurrency != nil {
				reserved += *f.ReservedConcurrency
			}
		}
		for _, v := range versions {
			out.AccountUsage.TotalCodeSize += v.Config.CodeSize
		}
		out.AccountUsage.FunctionCount = len(fns)
		out.AccountLimit.UnreservedConcurrentExecutions = limit - reserved
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
