//go:build !linux

package lambda

import (
	"log/slog"
	"os/exec"

	"gatehouse/internal/lambda/runtime"
	"gatehouse/internal/model"
)

// supervise does nothing off Linux: the function's process is started
// directly, unconfined, in a process group of its own.
func supervise(*exec.Cmd, runtime.Cmd, string, *model.FunctionConfig, *slog.Logger) (*supervisor, error) {
	return nil, nil
}

// setupFailed has nothing to hear where there is no supervisor.
func setupFailed(string, *slog.Logger) {}
