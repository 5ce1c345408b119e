package servertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Terraform returns the terraform binary and a CLI configuration file that
// installs the AWS provider from this machine's filesystem mirror and never
// downloads anything: what TF_CLI_CONFIG_FILE should name. It skips t,
// saying what is missing, when terraform is not on PATH or no mirror holds
// the provider (a folder named tf-plugins at the top of the filesystem, or
// under /opt).
func Terraform(t testing.TB) (bin, cliConfig string) {
	t.Helper()
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("skipped: terraform is not on PATH")
	}
	mirror := ""
	for _, dir := range []string{"/tf-plugins", "/opt/tf-plugins"} {
		if _, err := os.Stat(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws")); err == nil {
			mirror = dir
			break
		}
	}
	if mirror == "" {
		t.Skip("skipped: no provider mirror with hashicorp/aws at /tf-plugins or /opt/tf-plugins")
	}
	cliConfig = filepath.Join(t.TempDir(), "terraformrc")
	config := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["*/*"]
  }
}
`, mirror)
	if err := os.WriteFile(cliConfig, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return bin, cliConfig
}
