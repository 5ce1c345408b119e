package apigateway

import (
	"context"

	"gatehouse/internal/model"
)

// RequestValidator says what the methods naming it validate.
type RequestValidator struct {
	ID                        string `json:"id"`
	Name                      string `json:"name,omitempty"`
	ValidateRequestBody       bool   `json:"validateRequestBody"`
	ValidateRequestParameters bool   `json:"validateRequestParameters"`
}

type CreateRequestValidatorInput struct {
	RestAPIID                 string `path:"restApiId" json:"-"`
	Name                      string `json:"name"`
	ValidateRequestBody       bool   `json:"validateRequestBody"`
	ValidateRequestParameters bool   `json:"validateRequestParameters"`
}

type RequestValidatorInput struct {
	RestAPIID          string `path:"restApiId" json:"-"`
	RequestValidatorID string `path:"requestValidatorId" json:"-"`
}

type GetRequestValidatorsInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	Limit     *int32 `querystring:"limit" json:"-"`
	Position  string `querystring:"position" json:"-"`
}

type GetRequestValidatorsOutput struct {
	Items    []RequestValidator `json:"item"`
	Position string             `json:"position,omitempty"`
}

type UpdateRequestValidatorInput struct {
	RestAPIID          string           `path:"restApiId" json:"-"`
	RequestValidatorID string           `path:"requestValidatorId" json:"-"`
	PatchOperations    []PatchOperation `json:"patchOperations"`
}

func validatorNotFound() error { return notFound("Invalid Request Validator identifier specified") }

func (s *Service) CreateRequestValidator(ctx context.Context, in *CreateRequestValidatorInput) (*RequestValidator, error) {
	v := &model.RestRequestValidator{APIID: in.RestAPIID, Name: in.Name,
		ValidateRequestBody: in.ValidateRequestBody, ValidateRequestParameters: in.ValidateRequestParameters}
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		all, err := apiValidators(tx, in.RestAPIID)
		if err != nil {
			return err
		}
		if in.Name != "" {
			for _, o := range all {
				if o.Name == in.Name {
					return conflict("Validator %s already exists for the given RestApi", in.Name)
				}
			}
		}
		v.ID, err = freshID(shortID, func(id string) (bool, error) {
			_, ok, err := model.Get[model.RestRequestValidator](tx, in.RestAPIID+"/"+id)
			return ok, err
		})
		if err != nil {
			return err
		}
		return model.Put(tx, v)
	})
	if err != nil {
		return nil, err
	}
	return validatorShape(v), nil
}

func (s *Service) GetRequestValidator(ctx context.Context, in *RequestValidatorInput) (*RequestValidator, error) {
	var v *model.RestRequestValidator
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		v, err = getValidator(ctx, tx, in.RestAPIID, in.RequestValidatorID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return validatorShape(v), nil
}

func (s *Service) GetRequestValidators(ctx context.Context, in *GetRequestValidatorsInput) (*GetRequestValidatorsOutput, error) {
	var all []*model.RestRequestValidator
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		var err error
		all, err = apiValidators(tx, in.RestAPIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(v *model.RestRequestValidator) string { return v.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetRequestValidatorsOutput{Items: []RequestValidator{}, Position: next}
	for _, v := range items {
		out.Items = append(out.Items, *validatorShape(v))
	}
	return out, nil
}

func (s *Service) UpdateRequestValidator(ctx context.Context, in *UpdateRequestValidatorInput) (*RequestValidator, error) {
	var v *model.RestRequestValidator
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if v, err = getValidator(ctx, tx, in.RestAPIID, in.RequestValidatorID); err != nil {
			return err
		}
		err = applyPatch(in.PatchOperations, []patchPath{
			replaceText("/name", &v.Name),
			replaceBool("/validateRequestBody", &v.ValidateRequestBody),
			replaceBool("/validateRequestParameters", &v.ValidateRequestParameters),
		})
		if err != nil {
			return err
		}
		return model.Put(tx, v)
	})
	if err != nil {
		return nil, err
	}
	return validatorShape(v), nil
}

// DeleteRequestValidator refuses while a method names the validator, so
// no method is left pointing at nothing.
func (s *Service) DeleteRequestValidator(ctx context.Context, in *RequestValidatorInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		v, err := getValidator(ctx, tx, in.RestAPIID, in.RequestValidatorID)
		if err != nil {
			return err
		}
		resources, err := apiResources(tx, v.APIID)
		if err != nil {
			return err
		}
		for _, r := range resources {
			for _, verb := range sortedKeys(r.Methods) {
				if r.Methods[verb].RequestValidatorID == v.ID {
					return badRequest("Cannot delete request validator '%s', is referenced in method: %s/%s", v.ID, r.Path, verb)
				}
			}
		}
		return model.Delete(tx, v)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getValidator(ctx context.Context, tx model.Tx, apiID, id string) (*model.RestRequestValidator, error) {
	if _, err := getAPI(ctx, tx, apiID); err != nil {
		return nil, err
	}
	v, ok, err := model.Get[model.RestRequestValidator](tx, apiID+"/"+id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, validatorNotFound()
	}
	return v, nil
}

func apiValidators(tx model.Tx, apiID string) ([]*model.RestRequestValidator, error) {
	return model.ListPrefix[model.RestRequestValidator](tx, apiID+"/")
}

func validatorShape(v *model.RestRequestValidator) *RequestValidator {
	return &RequestValidator{ID: v.ID, Name: v.Name, ValidateRequestBody: v.ValidateRequestBody, ValidateRequestParameters: v.ValidateRequestParameters}
}
