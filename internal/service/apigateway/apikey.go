package apigateway

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"

	"gatehouse/internal/model"
)

// ApiKey is an API key as the v1 API shows it; Value only when asked for.
type ApiKey struct {
	ID              string            `json:"id"`
	Value           string            `json:"value,omitempty"`
	Name            string            `json:"name,omitempty"`
	CustomerID      string            `json:"customerId,omitempty"`
	Description     string            `json:"description,omitempty"`
	Enabled         bool              `json:"enabled"`
	CreatedDate     int64             `json:"createdDate"`
	LastUpdatedDate int64             `json:"lastUpdatedDate"`
	StageKeys       []string          `json:"stageKeys"`
	Tags            map[string]string `json:"tags,omitempty"`
}

// StageKey names a stage an API key was created for.
type StageKey struct {
	RestAPIID string `json:"restApiId"`
	StageName string `json:"stageName"`
}

type CreateApiKeyInput struct {
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	Enabled            bool              `json:"enabled"`
	Value              *string           `json:"value"`
	GenerateDistinctID bool              `json:"generateDistinctId"`
	CustomerID         string            `json:"customerId"`
	StageKeys          []StageKey        `json:"stageKeys"`
	Tags               map[string]string `json:"tags"`
}

type GetApiKeyInput struct {
	APIKey       string `path:"apiKey" json:"-"`
	IncludeValue bool   `querystring:"includeValue" json:"-"`
}

type ApiKeyIDInput struct {
	APIKey string `path:"apiKey" json:"-"`
}

type GetApiKeysInput struct {
	Limit         *int32 `querystring:"limit" json:"-"`
	Position      string `querystring:"position" json:"-"`
	NameQuery     string `querystring:"name" json:"-"`
	CustomerID    string `querystring:"customerId" json:"-"`
	IncludeValues bool   `querystring:"includeValues" json:"-"`
}

type GetApiKeysOutput struct {
	Items    []ApiKey `json:"item"`
	Position string   `json:"position,omitempty"`
}

type UpdateApiKeyInput struct {
	APIKey          string           `path:"apiKey" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

// Key values: AWS's generated ones have 40 letters and digits; one given
// must have 20 to 128 characters.
const (
	keyValueLen = 40
	minKeyValue = 20
	maxKeyValue = 128
	maxKeyName  = 1024
)

// AWS's default quotas: API keys per account and Region, usage plans per
// account and Region, and usage plans per API key.
const (
	maxAPIKeys     = 10000
	maxUsagePlans  = 300
	maxPlansPerKey = 10
)

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newKeyValue draws a key value. math/rand/v2's generator is seeded from
// the operating system's randomness (ChaCha8), so values cannot be guessed
// from earlier ones.
func newKeyValue() string {
	b := make([]byte, keyValueLen)
	for i := range b {
		b[i] = alnum[rand.IntN(len(alnum))]
	}
	return string(b)
}

func apiKeyNotFound() error { return notFound("Invalid API Key identifier specified") }

// checkKey validates a key's value and name.
func checkKey(k *model.APIKey) error {
	if n := len(k.Value); n < minKeyValue || n > maxKeyValue {
		return badRequest("API Key value should be at least %d characters and at most %d", minKeyValue, maxKeyValue)
	}
	if len(k.Name) > maxKeyName {
		return badRequest("API Key name must be at most %d characters", maxKeyName)
	}
	return nil
}

func (s *Service) CreateApiKey(ctx context.Context, in *CreateApiKeyInput) (*ApiKey, error) {
	now := s.now()
	k := &model.APIKey{Name: in.Name, Description: in.Description, Enabled: in.Enabled, CustomerID: in.CustomerID,
		CreatedDate: now, LastUpdatedDate: now}
	if in.Value != nil {
		k.Value = *in.Value
	} else {
		k.Value = newKeyValue()
	}
	if err := checkKey(k); err != nil {
		return nil, err
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	k.Tags = tags
	err = s.update(ctx, func(tx model.Tx) error {
		for _, sk := range in.StageKeys {
			if _, err := getStage(ctx, tx, sk.RestAPIID, sk.StageName); err != nil {
				return err
			}
			if sk := sk.RestAPIID + "/" + sk.StageName; !slices.Contains(k.StageKeys, sk) {
				k.StageKeys = append(k.StageKeys, sk)
			}
		}
		keys, err := model.List[model.APIKey](tx)
		if err != nil {
			return err
		}
		if len(keys) >= maxAPIKeys {
			return limitExceeded("Cannot create more than %d API keys", maxAPIKeys)
		}
		for _, same := range keys {
			if same.Value == k.Value {
				return conflict("API Key already exists")
			}
		}
		k.ID, err = freshID(longID, func(id string) (bool, error) {
			_, ok, err := model.Get[model.APIKey](tx, id)
			return ok, err
		})
		if err != nil {
			return err
		}
		return model.Put(tx, k)
	})
	if err != nil {
		return nil, err
	}
	return apiKeyShape(k, true), nil
}

func (s *Service) GetApiKey(ctx context.Context, in *GetApiKeyInput) (*ApiKey, error) {
	var k *model.APIKey
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		k, err = getKey(tx, in.APIKey)
		return err
	})
	if err != nil {
		return nil, err
	}
	return apiKeyShape(k, in.IncludeValue), nil
}

// GetApiKeys lists keys in id order; nameQuery matches names that begin
// with it, customerId matches exactly.
func (s *Service) GetApiKeys(ctx context.Context, in *GetApiKeysInput) (*GetApiKeysOutput, error) {
	var keys []*model.APIKey
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		keys, err = model.List[model.APIKey](tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	keys = slices.DeleteFunc(keys, func(k *model.APIKey) bool {
		return !strings.HasPrefix(k.Name, in.NameQuery) || (in.CustomerID != "" && k.CustomerID != in.CustomerID)
	})
	got, next, err := page(keys, func(k *model.APIKey) string { return k.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetApiKeysOutput{Items: []ApiKey{}, Position: next}
	for _, k := range got {
		out.Items = append(out.Items, *apiKeyShape(k, in.IncludeValues))
	}
	return out, nil
}

// UpdateApiKey patches /name, /description, /enabled and /customerId
// (replace), and /stages (add or remove "restApiId/stageName").
func (s *Service) UpdateApiKey(ctx context.Context, in *UpdateApiKeyInput) (*ApiKey, error) {
	var k *model.APIKey
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if k, err = getKey(tx, in.APIKey); err != nil {
			return err
		}
		stage := func(add bool) func(_, v string) error {
			return func(_, v string) error {
				api, name, _ := strings.Cut(v, "/")
				if _, err := getStage(ctx, tx, api, name); err != nil {
					return err
				}
				has := slices.Contains(k.StageKeys, v)
				switch {
				case add && !has:
					k.StageKeys = append(k.StageKeys, v)
				case !add:
					k.StageKeys = slices.DeleteFunc(k.StageKeys, func(s string) bool { return s == v })
				}
				return nil
			}
		}
		err = applyPatch(in.PatchOperations, []patchPath{
			replaceText("/name", &k.Name),
			optionalText("/description", &k.Description),
			replaceBool("/enabled", &k.Enabled),
			optionalText("/customerId", &k.CustomerID),
			{path: "/stages", add: stage(true), remove: stage(false)},
		})
		if err != nil {
			return err
		}
		if err := checkKey(k); err != nil {
			return err
		}
		k.LastUpdatedDate = s.now()
		return model.Put(tx, k)
	})
	if err != nil {
		return nil, err
	}
	return apiKeyShape(k, false), nil
}

// DeleteApiKey takes the key off every plan it is on, and forgets its
// usage.
func (s *Service) DeleteApiKey(ctx context.Context, in *ApiKeyIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		k, err := getKey(tx, in.APIKey)
		if err != nil {
			return err
		}
		pks, err := model.List[model.UsagePlanKey](tx)
		if err != nil {
			return err
		}
		for _, pk := range pks {
			if pk.KeyID == k.ID {
				if err := deletePlanKey(tx, pk); err != nil {
					return err
				}
			}
		}
		if err := forgetUsage(tx, "", func(u *model.Usage) bool { return u.KeyID == k.ID }); err != nil {
			return err
		}
		return model.Delete(tx, k)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getKey(tx model.Tx, id string) (*model.APIKey, error) {
	k, ok, err := model.Get[model.APIKey](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apiKeyNotFound()
	}
	return k, nil
}

func apiKeyShape(k *model.APIKey, value bool) *ApiKey {
	out := &ApiKey{ID: k.ID, Name: k.Name, CustomerID: k.CustomerID, Description: k.Description, Enabled: k.Enabled,
		CreatedDate: epoch(k.CreatedDate), LastUpdatedDate: epoch(k.LastUpdatedDate), StageKeys: k.StageKeys, Tags: tagsOut(k.Tags)}
	if out.StageKeys == nil {
		out.StageKeys = []string{}
	}
	if value {
		out.Value = k.Value
	}
	return out
}
