package apigatewayv2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

// An API mapping holds its HTTP API and stage: deleting either is refused
// with AWS's messages until the mappings go; a stage no mapping names goes.
func TestDeleteRefusedWhileMapped(t *testing.T) {
	f := start(t)
	api := f.api(t, "mapped")
	for _, st := range []string{"$default", "dev"} {
		if _, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String(st)}); err != nil {
			t.Fatal(err)
		}
	}
	var mappings []*string
	for _, d := range []string{"b.example.com", "a.example.com"} {
		if _, err := f.gw.CreateDomainName(ctx, &gw.CreateDomainNameInput{DomainName: aws.String(d)}); err != nil {
			t.Fatal(err)
		}
		m, err := f.gw.CreateApiMapping(ctx, &gw.CreateApiMappingInput{DomainName: aws.String(d), ApiId: aws.String(api),
			Stage: aws.String("$default"), ApiMappingKey: aws.String("orders/v1")})
		if err != nil {
			t.Fatal(err)
		}
		mappings = append(mappings, m.ApiMappingId)
	}
	deleteStage := func(name string) func() error {
		return func() error {
			_, err := f.gw.DeleteStage(ctx, &gw.DeleteStageInput{ApiId: aws.String(api), StageName: aws.String(name)})
			return err
		}
	}
	deleteAPI := func() error {
		_, err := f.gw.DeleteApi(ctx, &gw.DeleteApiInput{ApiId: aws.String(api)})
		return err
	}

	f.fails(t, "BadRequestException", "Deleting stage $default failed. Please remove all base path mappings related to the stage in your domains: a.example.com, b.example.com", deleteStage("$default"))
	f.fails(t, "BadRequestException", "Deleting API "+api+" failed. Please remove all API mappings for the API from your custom domain names.", deleteAPI)
	if err := deleteStage("dev")(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteApiMapping(ctx, &gw.DeleteApiMappingInput{DomainName: aws.String("b.example.com"), ApiMappingId: mappings[0]}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "BadRequestException", "in your domains: a.example.com", deleteStage("$default"))
	// Deleting the domain takes its mappings with it, and with them the
	// last hold on the API.
	if _, err := f.gw.DeleteDomainName(ctx, &gw.DeleteDomainNameInput{DomainName: aws.String("a.example.com")}); err != nil {
		t.Fatal(err)
	}
	if err := deleteStage("$default")(); err != nil {
		t.Fatal(err)
	}
	if err := deleteAPI(); err != nil {
		t.Fatal(err)
	}
}
