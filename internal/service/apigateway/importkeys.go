package apigateway

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type ImportApiKeysInput struct {
	Format         string `querystring:"format" json:"-"`
	FailOnWarnings bool   `querystring:"failonwarnings" json:"-"`
	Body           []byte `payload:"" json:"-"`
}

type ImportApiKeysOutput struct {
	IDs      []string `json:"ids"`
	Warnings []string `json:"warnings"`
}

// ImportApiKeys reads keys from AWS's CSV file: a header naming the
// columns in any order and any case (Name and Key required; Description,
// Enabled and UsagePlanIds optional; others ignored), then one key a row.
// A row whose key value is already a key's updates that key. A row that
// cannot be imported is a warning: with failonwarnings nothing is
// imported, otherwise the other rows are. The whole import is one
// transaction.
func (s *Service) ImportApiKeys(ctx context.Context, in *ImportApiKeysInput) (*ImportApiKeysOutput, error) {
	if in.Format != "csv" {
		return nil, enumError("importApiKeysInput.format", in.Format, []string{"csv"})
	}
	rows, err := readKeyFile(in.Body)
	if err != nil {
		return nil, err
	}
	out := &ImportApiKeysOutput{IDs: []string{}, Warnings: []string{}}
	now := s.now()
	err = s.update(ctx, func(tx model.Tx) error {
		out.IDs, out.Warnings = out.IDs[:0], out.Warnings[:0]
		keys, err := model.List[model.APIKey](tx)
		if err != nil {
			return err
		}
		byValue := make(map[string]*model.APIKey, len(keys))
		for _, k := range keys {
			byValue[k.Value] = k
		}
		for _, row := range rows {
			id, warning, err := importKey(tx, row, now, byValue)
			if err != nil {
				return err
			}
			if warning != "" {
				out.Warnings = append(out.Warnings, fmt.Sprintf("Line %d: %s", row.line, warning))
				continue
			}
			out.IDs = append(out.IDs, id)
		}
		if in.FailOnWarnings && len(out.Warnings) > 0 {
			return badRequest("Warnings found during import: %s", strings.Join(out.Warnings, "; "))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type keyRow struct {
	line                    int
	name, value, desc       string
	enabled                 bool
	plans                   []string
	badEnabled, badColCount bool
}

// readKeyFile parses the CSV file; a file that is not CSV, or lacks the
// required columns, is refused whole.
func readKeyFile(body []byte) ([]keyRow, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, badRequest("Invalid API key file: no header line")
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"name", "key"} {
		if _, ok := col[need]; !ok {
			return nil, badRequest("Invalid API key file: the header has no %s column", need)
		}
	}
	var rows []keyRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, badRequest("Invalid API key file: %v", err)
		}
		line, _ := r.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := keyRow{line: line, name: get("name"), value: get("key"), desc: get("description"), enabled: true,
			badColCount: len(rec) < len(header)}
		if v := get("enabled"); v != "" {
			b, err := strconv.ParseBool(strings.ToLower(v))
			row.enabled, row.badEnabled = b, err != nil
		}
		// Several plans travel as one quoted field, in double quotes
		// (which CSV removes) or single ones.
		for p := range strings.SplitSeq(strings.Trim(get("usageplanids"), "'"), ",") {
			if p = strings.TrimSpace(p); p != "" {
				row.plans = append(row.plans, p)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// importKey writes one row, or says why it cannot (warning). byValue
// holds every key of the scope by value, the row's included once written.
func importKey(tx model.Tx, row keyRow, now time.Time, byValue map[string]*model.APIKey) (id, warning string, err error) {
	switch {
	case row.badColCount:
		return "", "the row has fewer columns than the header", nil
	case row.badEnabled:
		return "", "Enabled must be true or false", nil
	case len(row.value) < minKeyValue || len(row.value) > maxKeyValue:
		return "", fmt.Sprintf("the key must have %d to %d characters", minKeyValue, maxKeyValue), nil
	case row.name == "":
		return "", "the name is empty", nil
	case len(row.name) > maxKeyName:
		return "", fmt.Sprintf("the name has more than %d characters", maxKeyName), nil
	}
	var plans []*model.UsagePlan
	for _, pid := range row.plans {
		p, ok, err := model.Get[model.UsagePlan](tx, pid)
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "Invalid Usage Plan ID specified: " + pid, nil
		}
		plans = append(plans, p)
	}
	k := byValue[row.value]
	if k == nil {
		if len(byValue) >= maxAPIKeys {
			return "", fmt.Sprintf("Cannot create more than %d API keys", maxAPIKeys), nil
		}
		k = &model.APIKey{Value: row.value, CreatedDate: now, Tags: model.Tags{}}
		k.ID, err = freshID(longID, func(id string) (bool, error) {
			_, ok, err := model.Get[model.APIKey](tx, id)
			return ok, err
		})
		if err != nil {
			return "", "", err
		}
	}
	k.Name, k.Description, k.Enabled, k.LastUpdatedDate = row.name, row.desc, row.enabled, now
	for _, p := range plans {
		if err := checkKeyStages(tx, p, k.ID); err != nil {
			if e := api.AsError(err); e.Code == "LimitExceededException" {
				return "", e.Message, nil
			}
			if !isConflict(err) {
				return "", "", err
			}
			return "", api.AsError(err).Message, nil
		}
	}
	if err := model.Put(tx, k); err != nil {
		return "", "", err
	}
	byValue[k.Value] = k
	for _, p := range plans {
		pk := &model.UsagePlanKey{PlanID: p.ID, KeyID: k.ID}
		if err := model.Put(tx, pk); err != nil {
			return "", "", err
		}
	}
	return k.ID, "", nil
}

// isConflict reports whether err is a ConflictException.
func isConflict(err error) bool {
	e := api.AsError(err)
	return e != nil && e.Code == codeConflict
}
