package apigateway

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"gatehouse/internal/model"
)

// MethodSetting is one entry of a stage's methodSettings. AWS reports every
// member, set or not.
type MethodSetting struct {
	MetricsEnabled                         bool    `json:"metricsEnabled"`
	LoggingLevel                           string  `json:"loggingLevel"`
	DataTraceEnabled                       bool    `json:"dataTraceEnabled"`
	ThrottlingBurstLimit                   int     `json:"throttlingBurstLimit"`
	ThrottlingRateLimit                    float64 `json:"throttlingRateLimit"`
	CachingEnabled                         bool    `json:"cachingEnabled"`
	CacheTTLInSeconds                      int     `json:"cacheTtlInSeconds"`
	CacheDataEncrypted                     bool    `json:"cacheDataEncrypted"`
	RequireAuthorizationForCacheControl    bool    `json:"requireAuthorizationForCacheControl"`
	UnauthorizedCacheControlHeaderStrategy string  `json:"unauthorizedCacheControlHeaderStrategy"`
}

func methodSettingsShape(in map[string]model.RestMethodSetting) map[string]MethodSetting {
	out := make(map[string]MethodSetting, len(in))
	for k, ms := range in {
		out[k] = MethodSetting{
			MetricsEnabled:                         ms.MetricsEnabled,
			LoggingLevel:                           ms.LoggingLevel,
			DataTraceEnabled:                       ms.DataTraceEnabled,
			ThrottlingBurstLimit:                   ms.ThrottlingBurstLimit,
			ThrottlingRateLimit:                    ms.ThrottlingRateLimit,
			CachingEnabled:                         ms.CachingEnabled,
			CacheTTLInSeconds:                      ms.CacheTTLInSeconds,
			CacheDataEncrypted:                     ms.CacheDataEncrypted,
			RequireAuthorizationForCacheControl:    ms.RequireAuthorizationForCacheControl,
			UnauthorizedCacheControlHeaderStrategy: ms.UnauthorizedCacheControlHeaderStrategy,
		}
	}
	return out
}

// newMethodSetting is what a method's entry holds before its first patch:
// a copy of the stage's "*/*" entry if there is one, otherwise AWS's
// defaults, whose limits are the account's (10,000 a second, burst 5,000).
func newMethodSetting(st *model.RestStage) model.RestMethodSetting {
	if all, ok := st.MethodSettings[model.AllMethods]; ok {
		return all
	}
	return model.RestMethodSetting{
		ThrottlingRateLimit:                    10000,
		ThrottlingBurstLimit:                   5000,
		LoggingLevel:                           "OFF",
		CacheTTLInSeconds:                      300,
		RequireAuthorizationForCacheControl:    true,
		UnauthorizedCacheControlHeaderStrategy: "SUCCEED_WITH_RESPONSE_HEADER",
	}
}

// methodSettingPaths are UpdateStage's paths into st's method settings:
// replace on /{resourcePath}/{httpMethod}/{setting} and remove on
// /{resourcePath}/{httpMethod}. The resource path travels with "~1" for
// each "/" ("/~1pets~1{id}/GET/..."), or with its slashes as they are, as
// Terraform sends it ("/pets/{id}/GET/..."): the method and the setting are
// read from the right. "/*/*/..." is the whole stage.
func methodSettingPaths(st *model.RestStage) []patchPath {
	setting := func(name string, apply func(ms *model.RestMethodSetting, path, v string) error) patchPath {
		return patchPath{path: "/{resourcePath}/{httpMethod}/" + name, parse: methodSettingPath(name),
			replace: func(key, v string) error {
				path := "/" + key + "/" + name
				if !validMethodKey(key) {
					return badRequest("Invalid method setting path: %s", path)
				}
				ms, ok := st.MethodSettings[key]
				if !ok {
					ms = newMethodSetting(st)
				}
				if err := apply(&ms, path, v); err != nil {
					return err
				}
				if st.MethodSettings == nil {
					st.MethodSettings = map[string]model.RestMethodSetting{}
				}
				st.MethodSettings[key] = ms
				return nil
			}}
	}
	return []patchPath{
		setting("throttling/rateLimit", func(ms *model.RestMethodSetting, _, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return badRequest("Invalid throttling rate limit specified: %s is not a number", v)
			}
			ms.ThrottlingRateLimit = f
			return nil
		}),
		setting("throttling/burstLimit", func(ms *model.RestMethodSetting, _, v string) error {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return badRequest("Invalid throttling burst limit specified: %s is not a whole number", v)
			}
			ms.ThrottlingBurstLimit = int(n)
			return nil
		}),
		setting("metrics/enabled", boolSetting(func(ms *model.RestMethodSetting) *bool { return &ms.MetricsEnabled })),
		setting("logging/dataTrace", boolSetting(func(ms *model.RestMethodSetting) *bool { return &ms.DataTraceEnabled })),
		setting("logging/loglevel", func(ms *model.RestMethodSetting, _, v string) error {
			switch v {
			case "OFF", "ERROR", "INFO":
				ms.LoggingLevel = v
				return nil
			}
			return badRequest("Invalid logging level specified: %s. Valid options are OFF, ERROR, INFO", v)
		}),
		setting("caching/enabled", boolSetting(func(ms *model.RestMethodSetting) *bool { return &ms.CachingEnabled })),
		setting("caching/dataEncrypted", boolSetting(func(ms *model.RestMethodSetting) *bool { return &ms.CacheDataEncrypted })),
		setting("caching/requireAuthorizationForCacheControl",
			boolSetting(func(ms *model.RestMethodSetting) *bool { return &ms.RequireAuthorizationForCacheControl })),
		setting("caching/ttlInSeconds", func(ms *model.RestMethodSetting, _, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 3600 {
				return badRequest("Invalid cache TTL specified: %s. It must be a whole number of seconds from 0 to 3600", v)
			}
			ms.CacheTTLInSeconds = n
			return nil
		}),
		setting("caching/unauthorizedCacheControlHeaderStrategy", func(ms *model.RestMethodSetting, _, v string) error {
			switch v {
			case "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER":
				ms.UnauthorizedCacheControlHeaderStrategy = v
				return nil
			}
			return badRequest("Invalid unauthorized cache control header strategy specified: %s. Valid options are FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER, SUCCEED_WITHOUT_RESPONSE_HEADER", v)
		}),
		// Listed last: it would match a setting's path too.
		{path: "/{resourcePath}/{httpMethod}", parse: methodPath, remove: func(key, _ string) error {
			if !validMethodKey(key) {
				return badRequest("Invalid method setting path: /%s", key)
			}
			if _, ok := st.MethodSettings[key]; !ok {
				return badRequest("Cannot remove method setting %s because there is no method setting for this method", key)
			}
			delete(st.MethodSettings, key)
			return nil
		}},
	}
}

func boolSetting(field func(*model.RestMethodSetting) *bool) func(ms *model.RestMethodSetting, path, v string) error {
	return func(ms *model.RestMethodSetting, path, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("Invalid boolean value for %s: %s", path, v)
		}
		*field(ms) = b
		return nil
	}
}

// methodSettingPath matches /{resourcePath}/{httpMethod}/name, returning
// the method's key.
func methodSettingPath(name string) func(string) (string, bool) {
	return func(path string) (string, bool) {
		rest, ok := strings.CutSuffix(path, "/"+name)
		if !ok {
			return "", false
		}
		return methodSettingKey(rest)
	}
}

// verbLike is what can stand in a method path's last segment; what is
// valid there is validMethodKey's to say. Anything else is some other
// path of the stage.
var verbLike = regexp.MustCompile(`^(?:[A-Z]+|\*)$`)

// methodPath matches /{resourcePath}/{httpMethod}, returning the method's
// key.
func methodPath(path string) (string, bool) {
	key, ok := methodSettingKey(path)
	if !ok || !verbLike.MatchString(key[strings.LastIndexByte(key, '/')+1:]) {
		return "", false
	}
	return key, true
}

// methodSettingKey reads /{resourcePath}/{httpMethod} into a methodSettings
// key: "*/*", or model.MethodSettingKey of the unescaped resource path.
func methodSettingKey(path string) (string, bool) {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 || path[0] != '/' || i == len(path)-1 {
		return "", false
	}
	return model.MethodSettingKey(unescapePointer(path[1:i]), path[i+1:]), true
}

// validMethodKey says whether key names the whole stage or one method.
// Settings cannot name ANY (AWS refuses them; an ANY method's requests
// draw on the settings of their own verb), and "*" stands for a resource
// or a verb only in "*/*".
func validMethodKey(key string) bool {
	if key == model.AllMethods {
		return true
	}
	i := strings.LastIndexByte(key, '/')
	if key[:i] == "*" {
		return false
	}
	switch key[i+1:] {
	case "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD":
		return true
	}
	return false
}
