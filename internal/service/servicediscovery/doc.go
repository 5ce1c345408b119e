// Package servicediscovery is AWS Cloud Map: HTTP and private DNS
// namespaces, services, instances and their attributes, DiscoverInstances,
// custom health, the operation records of asynchronous changes, and tags. See
// README.md for the operations and where they differ from AWS.
//
// It is what an HTTP API's private integration names when its integrationUri
// is a Cloud Map service ARN: the data plane resolves that ARN through the
// snapshot (model.Scoped.CloudMapServiceByARN) and chooses among the
// instances with model.Discover, the same function DiscoverInstances uses.
//
// Each operation validates its input, then makes its change in one store
// transaction. The package never sees HTTP; it returns api.Error values with
// Cloud Map's codes.
package servicediscovery
