package mem_test

import (
	"testing"

	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return mem.New() })
}
