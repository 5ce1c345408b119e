package awsjson

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gatehouse/internal/api"
)

func TestNewHandlerRejectsNonStructInput(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "not a pointer to a struct") {
			t.Errorf("panic %v, want one about the input", p)
		}
	}()
	NewHandler(target, api.NewTable(api.Handle("GetNamespace", func(ctx context.Context, in *string) (*empty, error) {
		return nil, nil
	})), nil)
}
