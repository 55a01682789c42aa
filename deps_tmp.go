package main
import (
 _ "github.com/go-chi/chi/v5"
 _ "github.com/doug-martin/goqu/v9"
 _ "github.com/doug-martin/goqu/v9/dialect/mysql"
 _ "github.com/go-sql-driver/mysql"
 _ "github.com/segmentio/kafka-go"
 _ "github.com/twmb/franz-go/pkg/kfake"
 _ "github.com/google/go-cmp/cmp"
 _ "github.com/swaggest/openapi-go/openapi3"
 _ "github.com/redis/go-redis/v9"
 _ "github.com/santhosh-tekuri/jsonschema/v6"
 _ "github.com/testcontainers/testcontainers-go"
 _ "github.com/testcontainers/testcontainers-go/modules/mysql"
)
func main(){}
